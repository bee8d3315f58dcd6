//! Numbers as text without `core::fmt`: formatting integers and decimals through `write!`
//! was a tenth of a build's instructions (pages, data files and charts print hundreds of
//! numbers per report). The text is exactly what `Display` writes (tested).

use rust_decimal::Decimal;

/// Where text is appended: a `String`, or the bytes of a file being written.
pub trait Out {
    fn put(&mut self, s: &str);
}

impl Out for String {
    fn put(&mut self, s: &str) {
        self.push_str(s);
    }
}

impl Out for Vec<u8> {
    fn put(&mut self, s: &str) {
        self.extend_from_slice(s.as_bytes());
    }
}

/// An integer, as `{n}` writes it.
pub fn int(out: &mut impl Out, n: impl itoa::Integer) {
    out.put(itoa::Buffer::new().format(n));
}

/// [`decimal`] as a new string.
pub fn decimal_text(d: Decimal) -> String {
    let mut out = String::new();
    decimal(&mut out, d);
    out
}

/// A decimal, as `Decimal`'s `Display` writes it (trailing zeros of its scale kept).
pub fn decimal(out: &mut impl Out, d: Decimal) {
    match i64::try_from(d.mantissa()) {
        // Negative zero keeps `Display`'s own spelling.
        Ok(m) if m != 0 || !d.is_sign_negative() => scaled(out, m, d.scale() as usize),
        _ => out.put(&d.to_string()),
    }
}

/// `m × 10^-scale` with exactly `scale` decimals (`5`, 2 → `0.05`).
fn scaled(out: &mut impl Out, m: i64, scale: usize) {
    let mut buf = itoa::Buffer::new();
    let digits = buf.format(m.unsigned_abs());
    if m < 0 {
        out.put("-");
    }
    if scale == 0 {
        out.put(digits);
    } else if digits.len() > scale {
        let (whole, frac) = digits.split_at(digits.len() - scale);
        out.put(whole);
        out.put(".");
        out.put(frac);
    } else {
        out.put("0.");
        for _ in digits.len()..scale {
            out.put("0");
        }
        out.put(digits);
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[test]
    fn decimals_are_display() {
        let mut values: Vec<Decimal> = (-2000i64..2000).map(Decimal::from).collect();
        for s in [
            "0",
            "-0",
            "0.0",
            "1.50",
            "-3.25",
            "424.1253",
            "79228162514264337593543950335",
        ] {
            values.push(Decimal::from_str(s).unwrap());
        }
        values.push(Decimal::from_scientific("1e3").unwrap());
        values.push(Decimal::from(5) - Decimal::from(5));
        values.push(Decimal::from(-1) * Decimal::ZERO);
        values.push(-Decimal::new(0, 2));
        // Every scale a report or a rate uses, small values and negatives included.
        for scale in 1..=6 {
            for m in [
                0i64, 1, -1, 5, -5, 9, 10, 99, 100, 101, 12_345, -12_345, 1_000_000,
            ] {
                values.push(Decimal::new(m, scale));
            }
        }
        values.push(Decimal::new(i64::MAX, 3));
        values.push(Decimal::new(i64::MIN + 1, 4));
        for v in values {
            let mut s = String::new();
            decimal(&mut s, v);
            assert_eq!(s, v.to_string(), "{v:?}");
            let mut b = Vec::new();
            decimal(&mut b, v);
            assert_eq!(b, v.to_string().into_bytes(), "{v:?}");
        }
    }

    #[test]
    fn integers_are_display() {
        for n in [0i64, 1, -1, 9, 10, -10, i64::MAX, i64::MIN] {
            let mut s = String::new();
            int(&mut s, n);
            assert_eq!(s, n.to_string());
        }
        let mut s = String::new();
        int(&mut s, u64::MAX);
        assert_eq!(s, u64::MAX.to_string());
    }
}

/// Full-width digits and number punctuation (`１２`, `１，５００．５`) as ASCII: what a
/// Chinese input method types when the clerk forgets to switch it off.
pub fn halfwidth_number(s: &str) -> String {
    s.chars().map(halfwidth_char).collect()
}

/// One character of [`halfwidth_number`].
pub fn halfwidth_char(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        '．' => '.',
        '，' => ',',
        '－' => '-',
        '＋' => '+',
        c => c,
    }
}

#[cfg(test)]
mod halfwidth_tests {
    #[test]
    fn full_width_digits_become_ascii() {
        assert_eq!(super::halfwidth_number("１２"), "12");
        assert_eq!(super::halfwidth_number("１，５００．５元"), "1,500.5元");
        assert_eq!(super::halfwidth_number("件"), "件");
    }
}
