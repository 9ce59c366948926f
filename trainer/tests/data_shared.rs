//! Parsers and the split on the real MovieLens files in `../shared/data`
//! (skipped with a printed reason when absent).

use reelgraph_core::testdata::shared_dataset;
use reelgraph_trainer::data::{self, BadLines, Format, LoadOptions, movielens};

#[test]
fn ml100k_figures_and_split() {
    let Some(dir) = shared_dataset(
        env!("CARGO_MANIFEST_DIR"),
        "ml-100k",
        "ml100k_figures_and_split",
    ) else {
        return;
    };
    let (ds, report) = data::load(&dir, &LoadOptions::default()).unwrap();
    assert_eq!(ds.format, Format::Ml100k);
    assert_eq!(ds.name, "ml-100k");
    assert_eq!(ds.movies.len(), 1682);
    assert_eq!(ds.interactions.len(), 100_000);
    assert_eq!(ds.users_in_file, Some(943));
    assert_eq!(report.users, 943);
    assert_eq!(report.rating_lines, 100_000);
    assert_eq!(report.skipped_bad_lines, 0);
    assert_eq!(report.duplicates, 0);
    assert_eq!(ds.fingerprint.len(), 64);

    let s = data::split(&ds).unwrap();
    assert_eq!((s.num_users(), s.num_items()), (943, 1682));
    assert_eq!(
        (s.train_len(), s.val_len(), s.test_len()),
        (98_114, 943, 943)
    );

    // Titles: year split, display form, latin-1.
    let by_id = |id| ds.movies.iter().find(|m| m.id == id).unwrap();
    let toy = by_id(1);
    assert_eq!((toy.title.as_str(), toy.year), ("Toy Story", Some(1995)));
    assert_eq!(toy.genres, vec!["Animation", "Children's", "Comedy"]);
    let pres = ds
        .movies
        .iter()
        .find(|m| m.title == "American President, The")
        .unwrap();
    assert_eq!(pres.display_title, "The American President");
    assert_eq!(pres.year, Some(1995));
    let unknown = by_id(267);
    assert_eq!((unknown.title.as_str(), unknown.year), ("unknown", None));
    assert!(
        ds.movies.iter().any(|m| m.title.contains('é')),
        "latin-1 decoded"
    );

    // --min-rating drops lower ratings first.
    let opts = LoadOptions {
        min_rating: Some(4.0),
        ..LoadOptions::default()
    };
    let (hi, r) = data::load(&dir, &opts).unwrap();
    assert_eq!(hi.interactions.len() + r.below_min_rating, 100_000);
    assert!(hi.interactions.iter().all(|x| x.rating >= 4.0));
    assert_eq!(hi.movies.len(), 1682, "the catalogue is kept whole");
}

#[test]
fn ml1m_catalogue_and_users() {
    let Some(dir) = shared_dataset(
        env!("CARGO_MANIFEST_DIR"),
        "ml-1m",
        "ml1m_catalogue_and_users",
    ) else {
        return;
    };
    let mut bad = BadLines::new(false);
    let movies = movielens::read_movies_dat(&dir.join("movies.dat"), &mut bad).unwrap();
    assert_eq!(movies.len(), 3883);
    let users = movielens::count_users(&dir.join("users.dat"), "::", &mut bad).unwrap();
    assert_eq!(users, 6040);
    assert_eq!(bad.skipped, 0);
    assert!(
        movies.iter().all(|m| m.year.is_some()),
        "every ml-1m title has a year"
    );
    let pres = movies.iter().find(|m| m.id == 11).unwrap();
    assert_eq!(pres.title, "American President, The");
    assert_eq!(pres.display_title, "The American President");
    assert_eq!(pres.year, Some(1995));
    assert_eq!(pres.genres, vec!["Comedy", "Drama", "Romance"]);
    // latin-1: "Misérables, Les" style titles decode to real characters.
    assert!(movies.iter().any(|m| m.title.contains('é')));
    assert!(movies.iter().all(|m| !m.title.contains('\u{fffd}')));
}
