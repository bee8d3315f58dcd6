//! Peer benchmarks: for each year and peer group (level, and a department's tier), the
//! distribution of each key figure and rate over the agencies that reported it, and where one
//! report stands in it.
//!
//! Quartiles interpolate linearly between the nearest ranks (Excel's QUARTILE.INC). A
//! report's standing is the share of its peers (the others in its group with a value) whose
//! value is lower; with fewer than [`MIN_PEERS`] peers no standing is given.

use std::collections::HashMap;

use rust_decimal::Decimal;

use super::{FigureValue, Metrics};
use crate::format::formats;

/// Fewer peers than this give no percentile: one agency more or less would swing it.
pub const MIN_PEERS: usize = 5;

/// The values of one column in one group, sorted.
#[derive(Debug, Clone, Default)]
pub struct Distribution {
    sorted: Vec<Decimal>,
}

impl Distribution {
    pub fn of(mut values: Vec<Decimal>) -> Distribution {
        values.sort();
        Distribution { sorted: values }
    }

    /// How many reports have a value.
    pub fn n(&self) -> usize {
        self.sorted.len()
    }

    /// The value at quantile `p` (0–1), interpolated between the nearest ranks.
    pub fn quantile(&self, p: Decimal) -> Option<Decimal> {
        let n = self.sorted.len();
        let last = *self.sorted.last()?;
        let h = Decimal::from(n - 1) * p;
        let lo = h.floor();
        let i = usize::try_from(lo.mantissa()).ok()?.min(n - 1);
        let Some(&next) = self.sorted.get(i + 1) else {
            return Some(last);
        };
        let x = self.sorted[i];
        Some(x + (h - lo) * (next - x))
    }

    /// Lower quartile, median, upper quartile.
    pub fn quartiles(&self) -> Option<[Decimal; 3]> {
        Some([
            self.quantile(Decimal::new(25, 2))?,
            self.quantile(Decimal::new(5, 1))?,
            self.quantile(Decimal::new(75, 2))?,
        ])
    }

    /// Where `value` (one of the values) stands: the percentage of the others that are lower,
    /// and how many others there are; `None` with fewer than [`MIN_PEERS`] others.
    pub fn standing(&self, value: Decimal) -> Option<(u32, usize)> {
        let others = self.sorted.len().checked_sub(1)?;
        if others < MIN_PEERS {
            return None;
        }
        let below = self.sorted.partition_point(|&v| v < value);
        Some(((below * 100 / others) as u32, others))
    }
}

/// The values of a report in the benchmark columns: the key figures (exact values only),
/// then the rates.
pub fn columns(m: &Metrics) -> Vec<Option<Decimal>> {
    let f = formats();
    f.figures
        .iter()
        .filter(|x| x.key)
        .map(|x| match m.figure(x) {
            v @ FigureValue::Value { .. } => v.exact(),
            _ => None,
        })
        .chain(f.rates.iter().map(|r| m.rate(r)))
        .collect()
}

/// Every group's distributions, by (year, group key).
#[derive(Debug, Default)]
pub struct Peers {
    groups: HashMap<(i32, String), Vec<Distribution>>,
}

impl Peers {
    /// From each report's (year, group key, column values).
    pub fn build(reports: impl IntoIterator<Item = (i32, String, Vec<Option<Decimal>>)>) -> Peers {
        let mut acc: HashMap<(i32, String), Vec<Vec<Decimal>>> = HashMap::new();
        for (year, group, values) in reports {
            let cols = acc
                .entry((year, group))
                .or_insert_with(|| vec![Vec::new(); values.len()]);
            for (c, v) in cols.iter_mut().zip(values) {
                if let Some(v) = v {
                    c.push(v);
                }
            }
        }
        Peers {
            groups: acc
                .into_iter()
                .map(|(k, cols)| (k, cols.into_iter().map(Distribution::of).collect()))
                .collect(),
        }
    }

    /// Replaces one report's column values (`old`, as they were counted) by `new`: watch
    /// mode keeps the distributions across an edit instead of sorting every report's values
    /// again. A value is found by its numeric value, so the result shows as a fresh build's.
    pub fn replace(
        &mut self,
        year: i32,
        group: &str,
        old: &[Option<Decimal>],
        new: &[Option<Decimal>],
    ) {
        let cols = self
            .groups
            .entry((year, group.to_string()))
            .or_insert_with(|| vec![Distribution::default(); new.len()]);
        for (k, d) in cols.iter_mut().enumerate() {
            if let Some(&Some(v)) = old.get(k) {
                let at = d.sorted.partition_point(|&x| x < v);
                if d.sorted.get(at) == Some(&v) {
                    d.sorted.remove(at);
                }
            }
            if let Some(&Some(v)) = new.get(k) {
                let at = d.sorted.partition_point(|&x| x < v);
                d.sorted.insert(at, v);
            }
        }
    }

    /// The distributions of a group, one per column.
    pub fn group(&self, year: i32, group: &str) -> Option<&[Distribution]> {
        self.groups
            .get(&(year, group.to_string()))
            .map(Vec::as_slice)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(v: &[i64]) -> Distribution {
        Distribution::of(v.iter().map(|&x| Decimal::from(x)).collect())
    }

    #[test]
    fn quartiles_as_quartile_inc() {
        // Excel: QUARTILE.INC({1,2,3,4,5,6,7,8}) = 2.75, 4.5, 6.25.
        let q = d(&[8, 1, 2, 3, 4, 5, 6, 7]).quartiles().unwrap();
        assert_eq!(
            q,
            [
                Decimal::new(275, 2),
                Decimal::new(45, 1),
                Decimal::new(625, 2)
            ]
        );
        assert_eq!(d(&[7]).quartiles().unwrap(), [7.into(), 7.into(), 7.into()]);
        assert_eq!(d(&[]).quartiles(), None);
    }

    #[test]
    fn a_replaced_report_gives_the_distributions_built_anew() {
        let v = |x: &[i64]| -> Vec<Option<Decimal>> {
            x.iter()
                .map(|&x| (x >= 0).then(|| Decimal::from(x)))
                .collect()
        };
        let rows = [
            (2021, "a", v(&[3, 1])),
            (2021, "a", v(&[5, -1])),
            (2021, "b", v(&[7, 2])),
        ];
        let mut peers = Peers::build(rows.iter().map(|(y, g, c)| (*y, g.to_string(), c.clone())));
        // The first report's values become 6 and none; a second group gains a report.
        peers.replace(2021, "a", &v(&[3, 1]), &v(&[6, -1]));
        peers.replace(2022, "a", &[], &v(&[1, 1]));
        let fresh = Peers::build([
            (2021, "a".to_string(), v(&[6, -1])),
            (2021, "a".to_string(), v(&[5, -1])),
            (2021, "b".to_string(), v(&[7, 2])),
            (2022, "a".to_string(), v(&[1, 1])),
        ]);
        for (y, g) in [(2021, "a"), (2021, "b"), (2022, "a")] {
            let sorted = |p: &Peers| -> Vec<Vec<Decimal>> {
                p.group(y, g)
                    .unwrap()
                    .iter()
                    .map(|d| d.sorted.clone())
                    .collect()
            };
            assert_eq!(sorted(&peers), sorted(&fresh), "{y} {g}");
        }
    }

    #[test]
    fn standing_needs_five_peers() {
        assert_eq!(d(&[1, 2, 3, 4, 5]).standing(5.into()), None);
        // Six reports: the highest is above all five others; ties do not count as lower.
        let six = d(&[1, 2, 3, 3, 5, 9]);
        assert_eq!(six.standing(9.into()), Some((100, 5)));
        assert_eq!(six.standing(3.into()), Some((40, 5)));
        assert_eq!(six.standing(1.into()), Some((0, 5)));
    }
}
