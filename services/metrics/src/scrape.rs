//! [`Scrape`]: writes metrics computed at scrape time (sums of per-thread
//! atomics, gauges read from a daemon's state) through prometheus-client's
//! encoder, so the exposition format is the library's, not ours.

use std::fmt;

use prometheus_client::encoding::{DescriptorEncoder, EncodeMetric, MetricEncoder, NoLabelSet};
use prometheus_client::metrics::counter::ConstCounter;
use prometheus_client::metrics::gauge::ConstGauge;
use prometheus_client::metrics::MetricType;

use crate::histogram::HistogramSnapshot;

/// Label pairs of one sample, e.g. `&[("type", "get_host")]`.
pub type Labels<'a> = &'a [(&'a str, &'a str)];

/// One scrape's metric writer. Names are given without the `_total`
/// suffix of counters, which the encoder adds.
pub struct Scrape<'a, 'b> {
    encoder: &'b mut DescriptorEncoder<'a>,
}

impl<'a, 'b> Scrape<'a, 'b> {
    /// A writer over `encoder` (the argument of a `Collector::encode`).
    pub fn new(encoder: &'b mut DescriptorEncoder<'a>) -> Self {
        Scrape { encoder }
    }

    /// A counter without labels.
    pub fn counter(&mut self, name: &str, help: &str, value: u64) -> fmt::Result {
        self.counters(name, help, &[(&[], value)])
    }

    /// A counter with one sample per label set.
    pub fn counters(&mut self, name: &str, help: &str, samples: &[(Labels, u64)]) -> fmt::Result {
        let metric = self
            .encoder
            .encode_descriptor(name, help, None, MetricType::Counter)?;
        each(metric, samples, |m, v| ConstCounter::new(*v).encode(m))
    }

    /// A gauge without labels.
    pub fn gauge(&mut self, name: &str, help: &str, value: f64) -> fmt::Result {
        self.gauges(name, help, &[(&[], value)])
    }

    /// A gauge with one sample per label set.
    pub fn gauges(&mut self, name: &str, help: &str, samples: &[(Labels, f64)]) -> fmt::Result {
        let metric = self
            .encoder
            .encode_descriptor(name, help, None, MetricType::Gauge)?;
        each(metric, samples, |m, v| ConstGauge::new(*v).encode(m))
    }

    /// A histogram with one sample set per label set.
    pub fn histograms(
        &mut self,
        name: &str,
        help: &str,
        samples: &[(Labels, &HistogramSnapshot)],
    ) -> fmt::Result {
        let metric = self
            .encoder
            .encode_descriptor(name, help, None, MetricType::Histogram)?;
        each(metric, samples, |mut m, snap| {
            m.encode_histogram::<NoLabelSet>(snap.sum_seconds, snap.count, &snap.buckets, None)
        })
    }
}

/// Writes each sample with `write`: a lone sample without labels as
/// `name value`, others as `name{labels} value`.
fn each<T>(
    mut metric: MetricEncoder,
    samples: &[(Labels, T)],
    write: impl Fn(MetricEncoder, &T) -> fmt::Result,
) -> fmt::Result {
    if let [(labels, value)] = samples {
        if labels.is_empty() {
            return write(metric, value);
        }
    }
    for (labels, value) in samples {
        write(metric.encode_family(&owned(labels))?, value)?;
    }
    Ok(())
}

fn owned(labels: Labels) -> Vec<(String, String)> {
    labels
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_string()))
        .collect()
}
