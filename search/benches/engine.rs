#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
//! The engine at scale: bulk-index synthetic makers and facilities into a folder once,
//! reopen it (R-trees rebuilt from the index, as at server start), measure peak memory,
//! then time the queries of DESIGN §5 with criterion, each next to a brute-force scan of
//! the same points.
//!
//! `cargo bench -p makermatch-search --bench engine`; sizes default to the issue's
//! (1,000,000 makers, 50,000 facilities) and scale down with MAKERMATCH_BENCH_MAKERS and
//! MAKERMATCH_BENCH_FACILITIES for quick runs. MAKERMATCH_BENCH_DIR keeps the index in a
//! folder and, when it already holds the same data, skips the bulk load (query work only).

mod synthetic;

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::Criterion;
use makermatch_search::{
    Doc, ExactPositions, Filters, Kind, LatLon, OnMismatch, OpenOptions, PositionAccess,
    SearchEngine, SearchRequest, Taxonomy, WriterOptions,
};
use synthetic::{CITIES, Generator};

const R_KM: f64 = 6371.0088;

fn env_usize(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .and_then(|v| v.replace('_', "").parse().ok())
        .unwrap_or(default)
}

/// A /proc/self/status field in KiB.
fn status_kib(field: &str) -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find(|l| l.starts_with(field))
        .and_then(|l| l.split_whitespace().nth(1))
        .and_then(|v| v.parse().ok())
        .unwrap_or(0)
}

/// User + system CPU seconds of this process so far (/proc/self/stat, USER_HZ = 100).
fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let after_name = stat.rsplit(')').next().unwrap_or("");
    let fields: Vec<&str> = after_name.split_whitespace().collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    // utime and stime are fields 14 and 15 of stat, 12 and 13 after the name.
    (ticks(11) + ticks(12)) / 100.0
}

/// Set in the child process that measures the memory of a freshly opened engine.
const OPEN_ONLY: &str = "MAKERMATCH_BENCH_OPEN_ONLY";

/// The child: open the index as a server would, run each kind of query over every city,
/// report peak and current RSS. A separate process, so the figure holds nothing of the
/// bulk load or of the allocator's leftovers.
fn measure_open(dir: &str) {
    let taxonomy = Taxonomy::builtin().unwrap();
    let t = Instant::now();
    let engine = SearchEngine::open(std::path::Path::new(dir), &taxonomy).unwrap();
    let open = t.elapsed().as_secs_f64();
    for i in 0..CITIES.len() {
        let c = city(i).0;
        engine
            .search(&SearchRequest::new(Kind::Maker).near(c, 25.0).count_total())
            .unwrap();
        engine
            .search(&SearchRequest::new(Kind::Facility).nearest_to(c).page(0, 10))
            .unwrap();
        engine
            .search(
                &SearchRequest::new(Kind::Maker)
                    .text("welding")
                    .near(c, 50.0),
            )
            .unwrap();
    }
    println!("{} {} {open}", status_kib("VmHWM:"), status_kib("VmRSS:"));
}

/// Runs `measure_open` in a child process: (peak KiB, current KiB, open seconds).
fn engine_memory(dir: &std::path::Path) -> (u64, u64, f64) {
    let output = std::process::Command::new(std::env::current_exe().unwrap())
        .env(OPEN_ONLY, dir)
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&output.stdout);
    let line = text.lines().last().unwrap_or_default().to_string();
    let v: Vec<&str> = line.split_whitespace().collect();
    assert_eq!(
        v.len(),
        3,
        "child said {text:?}, {}",
        String::from_utf8_lossy(&output.stderr)
    );
    (
        v[0].parse().unwrap(),
        v[1].parse().unwrap(),
        v[2].parse().unwrap(),
    )
}

fn mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}

fn haversine_km(a: (f64, f64), b: (f64, f64)) -> f64 {
    let (lat1, lon1) = (a.0.to_radians(), a.1.to_radians());
    let (lat2, lon2) = (b.0.to_radians(), b.1.to_radians());
    let h = ((lat2 - lat1) / 2.0).sin().powi(2)
        + lat1.cos() * lat2.cos() * ((lon2 - lon1) / 2.0).sin().powi(2);
    2.0 * R_KM * h.sqrt().min(1.0).asin()
}

fn city(i: usize) -> (LatLon, (f64, f64)) {
    let (_, _, lat, lon) = CITIES[i % CITIES.len()];
    (LatLon::new(lat, lon).unwrap(), (lat, lon))
}

/// Brute force: every point within `radius`, nearest first, the first `page` of them.
fn brute_radius(points: &[(f64, f64)], center: (f64, f64), radius: f64, page: usize) -> usize {
    let mut inside: Vec<(f64, usize)> = points
        .iter()
        .enumerate()
        .map(|(i, &p)| (haversine_km(center, p), i))
        .filter(|&(d, _)| d <= radius)
        .collect();
    let n = inside.len();
    if n > page {
        inside.select_nth_unstable_by(page, |a, b| a.0.total_cmp(&b.0));
        inside.truncate(page);
    }
    inside.sort_by(|a, b| a.0.total_cmp(&b.0));
    n + inside.len()
}

/// Brute force: the `k` nearest points.
fn brute_knn(points: &[(f64, f64)], center: (f64, f64), k: usize) -> usize {
    let mut all: Vec<(f64, usize)> = points
        .iter()
        .enumerate()
        .map(|(i, &p)| (haversine_km(center, p), i))
        .collect();
    let nth = k.min(all.len() - 1);
    all.select_nth_unstable_by(nth, |a, b| a.0.total_cmp(&b.0));
    all.truncate(k);
    all.sort_by(|a, b| a.0.total_cmp(&b.0));
    all.len()
}

/// Median of `runs` timed calls, rotating over the cities like the criterion loops.
fn median(runs: usize, mut f: impl FnMut(usize)) -> Duration {
    let mut times: Vec<Duration> = (0..runs)
        .map(|i| {
            let t = Instant::now();
            f(i);
            t.elapsed()
        })
        .collect();
    times.sort();
    times[runs / 2]
}

struct Loaded {
    makers_coarse: Vec<(f64, f64)>,
    facilities: Vec<(f64, f64)>,
    docs: usize,
    index_time: Duration,
    /// CPU seconds (all threads) spent while indexing.
    index_cpu: f64,
    merge_time: Duration,
}

/// Generates the data and, unless `index` is false, bulk-indexes it into `dir`.
fn bulk_load(
    dir: &std::path::Path,
    taxonomy: &Taxonomy,
    makers: usize,
    facilities: usize,
    index: bool,
) -> Loaded {
    let recreate = OpenOptions {
        on_mismatch: OnMismatch::Recreate,
    };
    let engine = SearchEngine::open_with(dir, taxonomy, recreate).unwrap();
    let mut writer = index.then(|| engine.writer_with(WriterOptions::bulk()).unwrap());
    if let Some(w) = writer.as_mut() {
        w.clear().unwrap();
    }
    let mut generator = Generator::new(42, taxonomy);
    let mut makers_coarse = Vec::with_capacity(makers);
    let mut facility_points = Vec::with_capacity(facilities);
    let mut index_time = Duration::ZERO;
    let mut index_cpu = 0.0;
    // Documents are generated in batches outside the timed section: the figure is the
    // engine's throughput, not the generator's.
    const BATCH: usize = 10_000;
    let mut done = 0;
    while done < makers + facilities {
        let n = BATCH.min(makers + facilities - done);
        let docs: Vec<Doc> = (done..done + n)
            .map(|i| {
                if i < makers {
                    let m = generator.maker();
                    makers_coarse.push(m.coarse_position.unwrap());
                    m.into()
                } else {
                    let f = generator.facility();
                    facility_points.push(f.position.unwrap());
                    f.into()
                }
            })
            .collect();
        let (t, cpu) = (Instant::now(), cpu_seconds());
        for d in &docs {
            if let Some(w) = writer.as_mut() {
                w.upsert(d).unwrap();
            }
        }
        index_time += t.elapsed();
        index_cpu += cpu_seconds() - cpu;
        done += n;
        if done % 200_000 < BATCH {
            eprintln!("indexed {done} documents");
        }
    }
    let (t, cpu) = (Instant::now(), cpu_seconds());
    if let Some(w) = writer.as_mut() {
        w.commit(1).unwrap();
    }
    index_time += t.elapsed();
    index_cpu += cpu_seconds() - cpu;
    let t = Instant::now();
    if let Some(w) = writer {
        w.finish().unwrap();
    }
    let merge_time = t.elapsed();
    Loaded {
        makers_coarse,
        facilities: facility_points,
        docs: makers + facilities,
        index_time,
        index_cpu,
        merge_time,
    }
}

fn main() {
    if let Ok(dir) = std::env::var(OPEN_ONLY) {
        measure_open(&dir);
        return;
    }
    let makers = env_usize("MAKERMATCH_BENCH_MAKERS", 1_000_000);
    let facilities = env_usize("MAKERMATCH_BENCH_FACILITIES", 50_000);
    let taxonomy = Taxonomy::builtin().unwrap();
    let temporary = tempfile::Builder::new()
        .prefix("makermatch-bench-")
        .tempdir_in(env!("CARGO_TARGET_TMPDIR"))
        .unwrap();
    let dir = std::env::var("MAKERMATCH_BENCH_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|_| temporary.path().to_path_buf());
    let reuse = SearchEngine::open(&dir, &taxonomy).is_ok_and(|e| {
        e.count(Kind::Maker).ok() == Some(makers)
            && e.count(Kind::Facility).ok() == Some(facilities)
    });
    eprintln!(
        "{} {makers} makers and {facilities} facilities in {}",
        if reuse { "reusing" } else { "bulk indexing" },
        dir.display()
    );
    let loaded = bulk_load(&dir, &taxonomy, makers, facilities, !reuse);
    let dir = dir.as_path();
    let indexing_peak_kib = status_kib("VmHWM:");
    let docs_per_s = loaded.docs as f64 / loaded.index_time.as_secs_f64();
    let (engine_peak_kib, engine_rss_kib, open_secs) = engine_memory(dir);

    let engine = SearchEngine::open(dir, &taxonomy).unwrap();
    let segments = engine.segment_count().unwrap();
    assert_eq!(engine.count(Kind::Maker).unwrap(), makers);

    let exact = PositionAccess::exact(ExactPositions::granted_by("benchmark"));
    let radius_page = |i: usize| SearchRequest::new(Kind::Maker).near(city(i).0, 25.0);
    let knn = |i: usize| {
        SearchRequest::new(Kind::Facility)
            .nearest_to(city(i).0)
            .page(0, 10)
    };
    let text_radius = |i: usize, text: &str| {
        SearchRequest::new(Kind::Maker)
            .text(text)
            .near(city(i).0, 50.0)
    };
    let welding = Filters {
        processes: vec!["welding".into()],
        ..Filters::default()
    };

    let mut c = Criterion::default()
        .sample_size(50)
        .warm_up_time(Duration::from_secs(1))
        .measurement_time(Duration::from_secs(4))
        .configure_from_args();
    {
        let mut g = c.benchmark_group("makers_radius_25km");
        let mut i = 0;
        g.bench_function("page_of_20", |b| {
            b.iter(|| {
                i += 1;
                black_box(engine.search(&radius_page(i)).unwrap())
            })
        });
        g.bench_function("page_of_20_exact_positions", |b| {
            b.iter(|| {
                i += 1;
                black_box(
                    engine
                        .search(&radius_page(i).positions(exact.clone()))
                        .unwrap(),
                )
            })
        });
        g.bench_function("page_of_20_with_total_count", |b| {
            b.iter(|| {
                i += 1;
                black_box(engine.search(&radius_page(i).count_total()).unwrap())
            })
        });
        g.bench_function("brute_force_scan", |b| {
            b.iter(|| {
                i += 1;
                black_box(brute_radius(&loaded.makers_coarse, city(i).1, 25.0, 20))
            })
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("facilities_10_nearest");
        let mut i = 0;
        g.bench_function("engine", |b| {
            b.iter(|| {
                i += 1;
                black_box(engine.search(&knn(i)).unwrap())
            })
        });
        g.bench_function("engine_welding_only", |b| {
            b.iter(|| {
                i += 1;
                black_box(engine.search(&knn(i).filters(welding.clone())).unwrap())
            })
        });
        g.bench_function("brute_force_scan", |b| {
            b.iter(|| {
                i += 1;
                black_box(brute_knn(&loaded.facilities, city(i).1, 10))
            })
        });
        g.finish();
    }
    {
        let mut g = c.benchmark_group("makers_skill_text_radius_50km");
        let mut i = 0;
        for text in ["welding", "3D printing", "soudure", "weldng"] {
            g.bench_function(text, |b| {
                b.iter(|| {
                    i += 1;
                    black_box(engine.search(&text_radius(i, text)).unwrap())
                })
            });
        }
        g.finish();
    }
    c.final_summary();

    // Own medians over the same rotations, for the ratios in the summary.
    let runs = 400;
    let radius_engine = median(runs, |i| {
        black_box(engine.search(&radius_page(i)).unwrap());
    });
    let radius_all = median(runs, |i| {
        black_box(engine.search(&radius_page(i).count_total()).unwrap());
    });
    let radius_brute = median(runs / 8, |i| {
        black_box(brute_radius(&loaded.makers_coarse, city(i).1, 25.0, 20));
    });
    let knn_engine = median(runs, |i| {
        black_box(engine.search(&knn(i)).unwrap());
    });
    let knn_brute = median(runs / 4, |i| {
        black_box(brute_knn(&loaded.facilities, city(i).1, 10));
    });
    let text_engine = median(runs, |i| {
        black_box(engine.search(&text_radius(i, "welding")).unwrap());
    });
    let in_radius: usize = (0..CITIES.len())
        .map(|i| {
            engine
                .search(&radius_page(i).count_total())
                .unwrap()
                .total
                .unwrap_or(0)
        })
        .sum::<usize>()
        / CITIES.len();
    let text_matches: usize = (0..CITIES.len())
        .map(|i| {
            engine
                .search(&text_radius(i, "welding").count_total())
                .unwrap()
                .total
                .unwrap_or(0)
        })
        .sum::<usize>()
        / CITIES.len();
    // What the live indexer pays: re-upsert 100 existing makers (the generator's first
    // ones, unchanged, so the data stays as loaded) and commit, on the full index.
    let commit_times: Vec<Duration> = (0..7)
        .map(|round| {
            let mut generator = Generator::new(42, &taxonomy);
            let docs: Vec<Doc> = (0..100).map(|_| generator.maker().into()).collect();
            let mut writer = engine.writer().unwrap();
            let t = Instant::now();
            for d in &docs {
                writer.upsert(d).unwrap();
            }
            writer.commit(2 + round).unwrap();
            t.elapsed()
        })
        .collect();
    let mut sorted_commits = commit_times.clone();
    sorted_commits.sort();
    let commit_median = sorted_commits[sorted_commits.len() / 2];

    let us = |d: Duration| d.as_secs_f64() * 1e6;

    println!("\n## makermatch-search benchmark summary\n");
    println!(
        "data: {makers} makers, {facilities} facilities ({} cities, 10% uniform), {segments} segments after merging",
        CITIES.len()
    );
    if reuse {
        println!("bulk indexing: skipped, the index in MAKERMATCH_BENCH_DIR was reused");
    }
    println!(
        "bulk indexing: {} docs in {:.1} s = {:.0} docs/s wall clock; {:.1} CPU-s = {:.0} docs per CPU-second (commit included; background merges after it took {:.1} s more)",
        loaded.docs,
        loaded.index_time.as_secs_f64(),
        docs_per_s,
        loaded.index_cpu,
        loaded.docs as f64 / loaded.index_cpu.max(1e-9),
        loaded.merge_time.as_secs_f64()
    );
    println!(
        "peak RSS of the bulk-indexing process (VmHWM): {:.0} MiB",
        mib(indexing_peak_kib)
    );
    println!(
        "engine alone (fresh process: open, R-trees rebuilt from the index in {open_secs:.2} s, every query kind run): peak RSS {:.0} MiB, RSS after {:.0} MiB",
        mib(engine_peak_kib),
        mib(engine_rss_kib)
    );
    println!(
        "incremental commit of 100 upserts on the loaded index (tantivy commit, reader reload, ord map and R-tree update): median {:.1} ms",
        commit_median.as_secs_f64() * 1e3
    );
    println!(
        "average makers within 25 km of a city: {in_radius}; welders within 50 km: {text_matches}"
    );
    println!(
        "load average at the end: {}",
        std::fs::read_to_string("/proc/loadavg")
            .unwrap_or_default()
            .trim()
    );
    println!("| query | engine median | brute force median | ratio |");
    println!("|---|---|---|---|");
    println!(
        "| radius 25 km, page of 20 | {:.1} µs | {:.0} µs | {:.0}× |",
        us(radius_engine),
        us(radius_brute),
        us(radius_brute) / us(radius_engine)
    );
    println!(
        "| radius 25 km, page + total count | {:.1} µs | {:.0} µs | {:.0}× |",
        us(radius_all),
        us(radius_brute),
        us(radius_brute) / us(radius_all)
    );
    println!(
        "| 10 nearest facilities | {:.1} µs | {:.0} µs | {:.0}× |",
        us(knn_engine),
        us(knn_brute),
        us(knn_brute) / us(knn_engine)
    );
    println!(
        "| \"welding\" + 50 km radius | {:.1} µs | | |",
        us(text_engine)
    );
}
