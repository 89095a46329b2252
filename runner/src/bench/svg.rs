//! The charts of `docs/benchmarks.md`, drawn from `target/bench.json` as plain SVG (a few lines
//! and rectangles do not need a plotting library).
use super::thousands;
use serde_json::Value;

const WIDTH: f64 = 640.0;
const HEIGHT: f64 = 360.0;
const LEFT: f64 = 90.0;
const RIGHT: f64 = 20.0;
const TOP: f64 = 40.0;
const BOTTOM: f64 = 60.0;
const COLOURS: [&str; 3] = ["#1f77b4", "#ff7f0e", "#2ca02c"];

/// A row's field (`mikros`, `sel4`, `linux`) from the JSON record.
fn figure(record: &Value, key: &str, field: &str) -> Option<u64> {
    record["rows"]
        .as_array()?
        .iter()
        .find(|row| row["key"] == key)?
        .get(field)?
        .as_u64()
}

fn header(title: &str) -> String {
    format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"{WIDTH}\" height=\"{HEIGHT}\" \
         font-family=\"sans-serif\" font-size=\"12\">\n\
         <rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n\
         <text x=\"{}\" y=\"22\" text-anchor=\"middle\" font-size=\"15\">{title}</text>\n",
        WIDTH / 2.0
    )
}

/// A "nice" axis top at or above `max`: 1, 2 or 5 times a power of ten.
fn axis_top(max: f64) -> f64 {
    let mut step = 1.0;
    while step * 10.0 <= max {
        step *= 10.0;
    }
    [1.0, 2.0, 5.0, 10.0]
        .into_iter()
        .map(|m| m * step)
        .find(|top| *top >= max)
        .unwrap_or(10.0 * step)
}

/// The y axis: gridlines and labels from 0 to `top`, in `unit`s.
fn y_axis(top: f64, unit: &str) -> String {
    let mut out = String::new();
    for i in 0..=5 {
        let value = top * i as f64 / 5.0;
        let y = HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * i as f64 / 5.0;
        out += &format!(
            "<line x1=\"{LEFT}\" y1=\"{y}\" x2=\"{}\" y2=\"{y}\" stroke=\"#ddd\"/>\n\
             <text x=\"{}\" y=\"{}\" text-anchor=\"end\">{}</text>\n",
            WIDTH - RIGHT,
            LEFT - 6.0,
            y + 4.0,
            thousands(value as u64)
        );
    }
    out += &format!(
        "<text x=\"16\" y=\"{}\" transform=\"rotate(-90 16 {})\" text-anchor=\"middle\">{unit}</text>\n",
        HEIGHT / 2.0,
        HEIGHT / 2.0
    );
    out
}

fn legend(names: &[&str]) -> String {
    names
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let x = LEFT + 10.0 + 180.0 * i as f64;
            format!(
                "<rect x=\"{x}\" y=\"{}\" width=\"12\" height=\"12\" fill=\"{}\"/>\
                 <text x=\"{}\" y=\"{}\">{name}</text>\n",
                HEIGHT - 22.0,
                COLOURS[i],
                x + 16.0,
                HEIGHT - 12.0
            )
        })
        .collect()
}

/// fork + exit + wait against heap size: ours (copy-on-write and eager) and Linux's.
pub fn fork_chart(record: &Value) -> String {
    let sizes = [0u64, 1, 16, 64];
    let series: [(&str, Vec<Option<u64>>); 3] = [
        (
            "mikros, copy-on-write",
            sizes
                .iter()
                .map(|m| figure(record, &format!("fork_cow_{m}m"), "mikros"))
                .collect(),
        ),
        (
            "mikros, eager copy",
            sizes
                .iter()
                .map(|m| figure(record, &format!("fork_eager_{m}m"), "mikros"))
                .collect(),
        ),
        (
            "Linux (copy-on-write)",
            sizes
                .iter()
                .map(|m| figure(record, &format!("fork_cow_{m}m"), "linux"))
                .collect(),
        ),
    ];
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().flatten())
        .max()
        .copied()
        .unwrap_or(1);
    let top = axis_top(max as f64);
    let x = |mib: u64| LEFT + (WIDTH - LEFT - RIGHT) * mib as f64 / 64.0;
    let y = |v: u64| HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * v as f64 / top;
    let mut out = header("fork + exit + wait against heap size");
    out += &y_axis(top, "guest instructions");
    for m in sizes {
        // 0 and 1 MiB are close on a linear axis: the second label goes a line lower.
        let below = if m == 1 { 14.0 } else { 0.0 };
        out += &format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{m} MiB</text>\n",
            x(m),
            HEIGHT - BOTTOM + 16.0 + below
        );
    }
    for (i, (_, values)) in series.iter().enumerate() {
        let points: Vec<String> = sizes
            .iter()
            .zip(values)
            .filter_map(|(m, v)| v.map(|v| format!("{:.1},{:.1}", x(*m), y(v))))
            .collect();
        out += &format!(
            "<polyline points=\"{}\" fill=\"none\" stroke=\"{}\" stroke-width=\"2\"/>\n",
            points.join(" "),
            COLOURS[i]
        );
        for p in &points {
            let (px, py) = p.split_once(',').unwrap_or(("0", "0"));
            out += &format!(
                "<circle cx=\"{px}\" cy=\"{py}\" r=\"3\" fill=\"{}\"/>\n",
                COLOURS[i]
            );
        }
    }
    out += &legend(&series.iter().map(|(n, _)| *n).collect::<Vec<_>>());
    out + "</svg>\n"
}

/// Every row with a seL4 figure: ours beside seL4's, as pairs of bars.
pub fn sel4_chart(record: &Value) -> String {
    let pairs: Vec<(String, u64, u64)> = record["rows"]
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|row| {
            let label = row["key"].as_str()?.to_string();
            Some((label, row["mikros"].as_u64()?, row["sel4"].as_u64()?))
        })
        .collect();
    let max = pairs.iter().map(|(_, a, b)| *a.max(b)).max().unwrap_or(1);
    let top = axis_top(max as f64);
    let slot = (WIDTH - LEFT - RIGHT) / pairs.len().max(1) as f64;
    let bar = slot * 0.35;
    let y = |v: u64| HEIGHT - BOTTOM - (HEIGHT - TOP - BOTTOM) * v as f64 / top;
    let mut out = header("mikros beside seL4 (same QEMU, same counting)");
    out += &y_axis(top, "guest instructions");
    for (i, (label, ours, sel4)) in pairs.iter().enumerate() {
        let x0 = LEFT + slot * i as f64 + slot * 0.15;
        for (j, v) in [ours, sel4].into_iter().enumerate() {
            let bx = x0 + bar * j as f64;
            out += &format!(
                "<rect x=\"{bx:.1}\" y=\"{:.1}\" width=\"{bar:.1}\" height=\"{:.1}\" fill=\"{}\"/>\n\
                 <text x=\"{:.1}\" y=\"{:.1}\" text-anchor=\"middle\" font-size=\"10\">{}</text>\n",
                y(*v),
                HEIGHT - BOTTOM - y(*v),
                COLOURS[j],
                bx + bar / 2.0,
                y(*v) - 3.0,
                thousands(*v)
            );
        }
        out += &format!(
            "<text x=\"{:.1}\" y=\"{}\" text-anchor=\"middle\">{label}</text>\n",
            x0 + bar,
            HEIGHT - BOTTOM + 16.0
        );
    }
    out += &legend(&["mikros", "seL4"]);
    out + "</svg>\n"
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn charts_draw_what_the_record_holds() {
        let record = json!({ "rows": [
            { "key": "fork_cow_0m", "mikros": 50000, "linux": 150000, "sel4": null },
            { "key": "fork_cow_64m", "mikros": 1300000, "linux": 6500000, "sel4": null },
            { "key": "ipc_rt", "mikros": 392, "sel4": 443, "linux": 12777 },
        ]});
        let fork = fork_chart(&record);
        assert!(fork.starts_with("<svg") && fork.ends_with("</svg>\n"));
        assert_eq!(fork.matches("<polyline").count(), 3);
        let sel4 = sel4_chart(&record);
        assert_eq!(
            sel4.matches("<rect x=").count(),
            2 + 2,
            "two bars and the legend"
        );
        assert!(sel4.contains(">443<") && sel4.contains(">ipc_rt<"));
        assert_eq!(axis_top(6_544_864.0), 10_000_000.0);
        assert_eq!(axis_top(1_336.0), 2_000.0);
    }
}
