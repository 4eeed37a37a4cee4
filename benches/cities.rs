//! The city list: parsing the embedded file (once per process) and one search, as run on every
//! keystroke in the applicant form. Run: `cargo bench --bench cities`.

use criterion::{Criterion, criterion_group, criterion_main};
use idbooth::cities::{self, Gazetteer};

fn benches(c: &mut Criterion) {
    let text = include_str!("../assets/cities.toml");
    c.bench_function("cities_parse", |b| b.iter(|| Gazetteer::parse(text).unwrap()));
    cities::gazetteer().unwrap();
    for q in ["sz", "shenzhen", "深圳", "广东", "州"] {
        c.bench_function(&format!("cities_search_{q}"), |b| b.iter(|| cities::search(q, 8)));
    }
    c.bench_function("cities_resolve_unknown", |b| b.iter(|| cities::resolve("Atlantis").unwrap_err()));
}

criterion_group!(city_benches, benches);
criterion_main!(city_benches);
