//! SVG charts generated at build time: readable without JavaScript, in print, and by screen
//! readers (`role="img"` with `<title>` and `<desc>`; the numbers are also in a table on the
//! same page). Label widths are estimated from Unicode widths (a CJK character is one em), so
//! Chinese labels get the room they need instead of overlapping or being clipped.

use std::fmt::Write;

use unicode_width::UnicodeWidthStr;

use super::table::esc;

/// Series colours: each has at least 3:1 contrast on white (WCAG 1.4.11), and lines also
/// differ by dash pattern so colour is not the only cue.
const COLORS: [&str; 6] = [
    "#1f4e9c", "#b3261e", "#1b7f3b", "#8a4b00", "#6a3d9a", "#00707a",
];
const DASHES: [&str; 6] = ["", "6 3", "2 3", "8 3 2 3", "4 4", "1 2"];
const FONT: f64 = 12.0;

pub struct Series {
    pub name: String,
    pub values: Vec<Option<f64>>,
}

/// Estimated rendered width of `s` in pixels at `size`: a CJK character is one em, a Latin
/// character a little over half an em (a generous estimate, so labels never collide).
pub fn text_width(s: &str, size: f64) -> f64 {
    s.width() as f64 * size * 0.56
}

/// A "nice" axis maximum and step (1, 2 or 5 × 10^k) for values up to `max`.
pub fn nice_scale(max: f64) -> (f64, f64) {
    if max <= 0.0 || !max.is_finite() {
        return (1.0, 1.0);
    }
    let raw = max / 4.0;
    let mag = 10f64.powf(raw.log10().floor());
    let step = [1.0, 2.0, 5.0, 10.0]
        .iter()
        .map(|m| m * mag)
        .find(|s| *s >= raw)
        .unwrap_or(10.0 * mag);
    let step = if step < 1.0 { 1.0 } else { step };
    ((max / step).ceil() * step, step)
}

/// A coordinate with one decimal, exactly as `format!("{:.1}", v)` writes it. Exact float
/// formatting was most of the time spent drawing charts; away from a rounding tie, rounding
/// `10 v` to an integer gives the same digits.
struct P(f64);

impl std::fmt::Display for P {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let t = self.0 * 10.0;
        let frac = t - t.trunc();
        // Below 1e9 the product is within 1e-7 of 10 v, far from the 1e-6 margin kept around
        // ties; negative values keep the exact path for "-0.0".
        if t.is_sign_positive() && t < 1e9 && (frac - 0.5).abs() > 1e-6 {
            let n = t.round() as u64;
            f.write_str(itoa::Buffer::new().format(n / 10))?;
            f.write_char('.')?;
            f.write_char(char::from(b'0' + (n % 10) as u8))
        } else {
            write!(f, "{:.1}", self.0)
        }
    }
}

/// `12345` → `12,345`; decimals kept to two places.
pub fn fmt_num(v: f64) -> String {
    if (v - v.round()).abs() < 1e-9 {
        let n = v.round() as i64;
        let s = n.abs().to_string();
        let mut out = String::new();
        for (i, ch) in s.chars().enumerate() {
            if i > 0 && (s.len() - i).is_multiple_of(3) {
                out.push(',');
            }
            out.push(ch);
        }
        if n < 0 { format!("-{out}") } else { out }
    } else {
        format!("{v:.2}")
    }
}

fn open(out: &mut String, id: &str, title: &str, desc: &str, w: f64, h: f64) {
    let _ = write!(
        out,
        r#"<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 {w:.0} {h:.0}" role="img" aria-labelledby="{id}-t {id}-d"><title id="{id}-t">{}</title><desc id="{id}-d">{}</desc>"#,
        esc(title),
        esc(desc)
    );
}

fn legend(out: &mut String, series: &[Series], x0: f64, y: f64, max_w: f64) -> f64 {
    let mut x = x0;
    let mut y = y;
    for (i, s) in series.iter().enumerate() {
        let w = 28.0 + text_width(&s.name, FONT) + 16.0;
        if x + w > x0 + max_w && x > x0 {
            x = x0;
            y += 18.0;
        }
        let _ = write!(
            out,
            r#"<line x1="{}" y1="{}" x2="{}" y2="{}" stroke="{}" stroke-width="3" stroke-dasharray="{}"/><text x="{}" y="{}" class="legend">{}</text>"#,
            P(x),
            P(y - 4.0),
            P(x + 22.0),
            P(y - 4.0),
            COLORS[i % COLORS.len()],
            DASHES[i % DASHES.len()],
            P(x + 27.0),
            P(y),
            esc(&s.name)
        );
        x += w;
    }
    y
}

/// A line chart over ordered categories (years). Missing values leave gaps.
pub fn line_chart(
    id: &str,
    title: &str,
    desc: &str,
    categories: &[String],
    series: &[Series],
) -> String {
    let max = series
        .iter()
        .flat_map(|s| s.values.iter().flatten())
        .fold(0.0f64, |a, &b| a.max(b));
    let (top, step) = nice_scale(max);
    let tick_w = (0..=((top / step) as usize))
        .map(|i| text_width(&fmt_num(i as f64 * step), FONT))
        .fold(0.0, f64::max);
    let left = tick_w + 14.0;
    let width = 640.0;
    let plot_w = width - left - 24.0;
    let n = categories.len().max(1);
    let slot = plot_w / n as f64;
    let label_w = categories
        .iter()
        .map(|c| text_width(c, FONT))
        .fold(0.0, f64::max);
    let every = ((label_w + 8.0) / slot).ceil().max(1.0) as usize;
    let plot_top = 16.0;
    let plot_h = 200.0;
    let legend_y = plot_top + plot_h + 40.0;
    let mut body = String::new();
    // Grid and ticks.
    let mut v = 0.0;
    while v <= top + 1e-9 {
        let y = plot_top + plot_h - v / top * plot_h;
        let _ = write!(
            body,
            r#"<line x1="{left}" y1="{y}" x2="{}" y2="{y}" class="grid"/><text x="{}" y="{}" class="tick" text-anchor="end">{}</text>"#,
            P(left + plot_w),
            P(left - 6.0),
            P(y + 4.0),
            fmt_num(v),
            left = P(left),
            y = P(y)
        );
        v += step;
    }
    for (i, c) in categories.iter().enumerate() {
        if i % every != 0 {
            continue;
        }
        let x = left + slot * (i as f64 + 0.5);
        let _ = write!(
            body,
            r#"<text x="{}" y="{}" class="tick" text-anchor="middle">{}</text>"#,
            P(x),
            P(plot_top + plot_h + 18.0),
            esc(c)
        );
    }
    for (si, s) in series.iter().enumerate() {
        let color = COLORS[si % COLORS.len()];
        let dash = DASHES[si % DASHES.len()];
        let mut path = String::new();
        let mut pen = false;
        // The series' points share their colour through a group (repeated on each point, it
        // was a tenth of an agency page's charts).
        let _ = write!(body, r#"<g fill="{color}">"#);
        for (i, v) in s.values.iter().enumerate() {
            match v {
                Some(v) => {
                    let x = left + slot * (i as f64 + 0.5);
                    let y = plot_top + plot_h - v / top * plot_h;
                    let (x, y) = (P(x), P(y));
                    let _ = write!(path, "{}{x} {y} ", if pen { "L" } else { "M" });
                    let _ = write!(
                        body,
                        r#"<circle cx="{x}" cy="{y}" r="3.5"><title>{} {}: {}</title></circle>"#,
                        esc(&s.name),
                        esc(&categories[i]),
                        fmt_num(*v)
                    );
                    pen = true;
                }
                None => pen = false,
            }
        }
        body.push_str("</g>");
        if !path.is_empty() {
            let _ = write!(
                body,
                r#"<path d="{}" fill="none" stroke="{color}" stroke-width="2.5" stroke-dasharray="{dash}"/>"#,
                path.trim_end()
            );
        }
    }
    let last = legend(&mut body, series, left, legend_y, plot_w);
    let height = last + 12.0;
    let mut out = String::new();
    open(&mut out, id, title, desc, width, height);
    out.push_str(&body);
    out.push_str("</svg>");
    out
}

/// A horizontal bar chart: one bar per labelled item (agencies), values written at the bar
/// ends. Long labels are shortened with "…" and given in full in the bar's tooltip.
pub fn bar_chart(
    id: &str,
    title: &str,
    desc: &str,
    labels: &[String],
    values: &[Option<f64>],
    shown: &[String],
) -> String {
    const MAX_LABEL: usize = 16;
    let short: Vec<String> = labels
        .iter()
        .map(|l| {
            if l.chars().count() > MAX_LABEL {
                format!("{}…", l.chars().take(MAX_LABEL - 1).collect::<String>())
            } else {
                l.clone()
            }
        })
        .collect();
    let left = short
        .iter()
        .map(|l| text_width(l, FONT))
        .fold(0.0, f64::max)
        + 12.0;
    let right = shown
        .iter()
        .map(|s| text_width(s, FONT))
        .fold(0.0, f64::max)
        + 12.0;
    let width = 640.0f64.max(left + right + 200.0);
    let plot_w = width - left - right;
    let max = values.iter().flatten().fold(0.0f64, |a, &b| a.max(b));
    let top = if max > 0.0 { max } else { 1.0 };
    let row = 22.0;
    let height = row * labels.len().max(1) as f64 + 12.0;
    let mut out = String::new();
    open(&mut out, id, title, desc, width, height);
    for (i, label) in short.iter().enumerate() {
        let y = 6.0 + row * i as f64;
        let _ = write!(
            out,
            r#"<text x="{}" y="{}" class="tick" text-anchor="end">{}</text>"#,
            P(left - 8.0),
            P(y + 15.0),
            esc(label)
        );
        let value_text = shown.get(i).map_or("—", String::as_str);
        let (w, x_text) = match values.get(i).copied().flatten() {
            Some(v) => {
                let w = (v / top * plot_w).max(if v > 0.0 { 1.0 } else { 0.0 });
                (w, left + w + 6.0)
            }
            None => (0.0, left + 6.0),
        };
        let _ = write!(
            out,
            r#"<rect x="{left}" y="{}" width="{w}" height="{}" fill="{}"><title>{}: {}</title></rect><text x="{x_text}" y="{}" class="value">{}</text>"#,
            P(y + 3.0),
            P(row - 7.0),
            COLORS[0],
            esc(&labels[i]),
            esc(value_text),
            P(y + 15.0),
            esc(value_text),
            left = P(left),
            w = P(w),
            x_text = P(x_text)
        );
    }
    out.push_str("</svg>");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nice_scales() {
        assert_eq!(nice_scale(0.0), (1.0, 1.0));
        assert_eq!(nice_scale(7.0), (8.0, 2.0));
        assert_eq!(nice_scale(3119.0), (4000.0, 1000.0));
        assert_eq!(nice_scale(23.0), (30.0, 10.0));
        assert_eq!(nice_scale(2.0), (2.0, 1.0));
    }

    #[test]
    fn coordinates_print_as_exact_formatting_does() {
        let mut values = vec![
            0.0, -0.0, -0.04, 0.05, 0.15, 0.25, 0.35, 2.45, 1e9, 1e12, -3.25,
        ];
        // Ties and near-ties on a grid of twentieths, and pseudo-random values (an LCG).
        values.extend((0..200_000).map(|k| k as f64 / 20.0));
        values.extend((0..200_000).map(|k| k as f64 * 0.05 + 1e-7));
        let mut x: u64 = 42;
        for _ in 0..200_000 {
            x = x
                .wrapping_mul(6364136223846793005)
                .wrapping_add(1442695040888963407);
            values.push((x >> 11) as f64 / (1u64 << 53) as f64 * 2000.0 - 100.0);
        }
        for v in values {
            assert_eq!(P(v).to_string(), format!("{v:.1}"), "{v:e}");
        }
    }

    #[test]
    fn numbers_are_grouped() {
        assert_eq!(fmt_num(3985758.0), "3,985,758");
        assert_eq!(fmt_num(0.0), "0");
        assert_eq!(fmt_num(51.85), "51.85");
    }

    #[test]
    fn chinese_labels_get_room() {
        // "国家统计局" is five ems wide; the estimate must not be smaller (charts-rs measured half).
        assert!(text_width("国家统计局", 14.0) >= 5.0 * 14.0);
        let svg = bar_chart(
            "c",
            "题",
            "说明",
            &["上海市人民政府办公厅".into(), "俵口镇".into()],
            &[Some(859.0), Some(0.0)],
            &["859".into(), "0".into()],
        );
        // The label column is wide enough for the longest label.
        let left = text_width("上海市人民政府办公厅", FONT) + 12.0;
        assert!(svg.contains(&format!(r#"<rect x="{left:.1}""#)), "{svg}");
        assert!(svg.contains("<title id=\"c-t\">题</title>"));
    }

    #[test]
    fn gaps_for_missing_values() {
        let svg = line_chart(
            "l",
            "t",
            "d",
            &["2019年".into(), "2020年".into(), "2021年".into()],
            &[Series {
                name: "新收".into(),
                values: vec![Some(1.0), None, Some(3.0)],
            }],
        );
        assert_eq!(svg.matches("<circle").count(), 2);
        assert_eq!(
            svg.matches(" M").count() + usize::from(svg.contains("d=\"M")),
            2,
            "{svg}"
        );
    }
}
