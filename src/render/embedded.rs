//! The default theme, built into the binary (the source is `themes/default/`).

pub const TEMPLATES: &[(&str, &str)] = &[
    (
        "404.html",
        include_str!("../../themes/default/templates/404.html"),
    ),
    (
        "agencies.html",
        include_str!("../../themes/default/templates/agencies.html"),
    ),
    (
        "agency.html",
        include_str!("../../themes/default/templates/agency.html"),
    ),
    (
        "base.html",
        include_str!("../../themes/default/templates/base.html"),
    ),
    (
        "compare.html",
        include_str!("../../themes/default/templates/compare.html"),
    ),
    (
        "index.html",
        include_str!("../../themes/default/templates/index.html"),
    ),
    (
        "partials/grid.html",
        include_str!("../../themes/default/templates/partials/grid.html"),
    ),
    (
        "partials/keytable.html",
        include_str!("../../themes/default/templates/partials/keytable.html"),
    ),
    (
        "partials/levels.html",
        include_str!("../../themes/default/templates/partials/levels.html"),
    ),
    (
        "partials/num.html",
        include_str!("../../themes/default/templates/partials/num.html"),
    ),
    (
        "report.html",
        include_str!("../../themes/default/templates/report.html"),
    ),
    (
        "year.html",
        include_str!("../../themes/default/templates/year.html"),
    ),
    (
        "years.html",
        include_str!("../../themes/default/templates/years.html"),
    ),
];

pub const STATIC: &[(&str, &[u8])] = &[
    (
        "sort.js",
        include_bytes!("../../themes/default/static/sort.js"),
    ),
    (
        "style.css",
        include_bytes!("../../themes/default/static/style.css"),
    ),
];

pub const STRINGS: &str = include_str!("../../themes/default/strings.toml");
