//! Parsers and the split on the real MovieLens files in `../shared/data`
//! (skipped with a printed reason when absent).

use reelgraph_testkit::data::shared_dataset;
use reelgraph_trainer::data::{self, BadLines, Format, LoadOptions, metadata, movielens};

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
    // u.item's release dates, ISO (the original client's `Released`).
    assert_eq!(toy.released.as_deref(), Some("1995-01-01"));
    assert_eq!(by_id(100).released.as_deref(), Some("1997-02-14"));
    assert_eq!(
        ds.movies.iter().filter(|m| m.released.is_some()).count(),
        1681
    );
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
    // The shared ml-1m folder has no ratings.dat: load says so.
    let err = data::load(&dir, &LoadOptions::default())
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("movies.dat (a catalogue) but no ratings.dat"),
        "{err}"
    );
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

#[test]
fn omdb_metadata_repair_and_match_rates() {
    let m = env!("CARGO_MANIFEST_DIR");
    let Some(omdb) = shared_dataset(m, "omdb", "omdb_metadata_repair_and_match_rates") else {
        return;
    };
    let file = omdb.join("ml-1m-movie_info.dat");
    let parsed = metadata::read_omdb(&file).unwrap();
    eprintln!(
        "omdb: {} lines, {} as written, {} repaired, {} unparseable",
        parsed.lines, parsed.parsed_as_written, parsed.repaired, parsed.unparseable
    );
    assert_eq!(parsed.lines, 3883);
    assert_eq!(
        parsed.parsed_as_written + parsed.repaired + parsed.unparseable,
        3883
    );
    assert!(
        parsed.repaired > 1000,
        "about a third of the lines need repair"
    );
    assert!(
        parsed.unparseable <= 10,
        "{:?}",
        parsed.unparseable_examples
    );
    // Repaired text reads right: apostrophes and UTF-8 letters restored.
    let toy = parsed.records.iter().find(|r| r.id == 1).unwrap();
    assert!(
        toy.plot.as_deref().unwrap().contains("boy's room"),
        "{:?}",
        toy.plot
    );
    assert!(
        parsed
            .records
            .iter()
            .all(|r| r.plot.as_deref().is_none_or(|p| !p.contains('\\')))
    );
    assert!(
        parsed
            .records
            .iter()
            .any(|r| r.actors.iter().any(|a| a.contains('è')))
    );

    if let Some(ml1m) = shared_dataset(m, "ml-1m", "omdb_metadata_repair_and_match_rates (ml-1m)") {
        let mut movies =
            movielens::read_movies_dat(&ml1m.join("movies.dat"), &mut BadLines::new(false))
                .unwrap();
        let r = metadata::join(
            &mut movies,
            &parsed,
            metadata::MatchBy::Id,
            "ml-1m-movie_info.dat",
        );
        eprintln!(
            "ml-1m: matched {}/{} by id ({} placeholder lines without OMDb details)",
            r.matched_by_id,
            movies.len(),
            r.matched_placeholder
        );
        assert_eq!(movies.len(), 3883);
        assert_eq!(r.matched + r.fallback, 3883);
        assert!(r.matched >= 3883 - parsed.unparseable);
        let toy = movies.iter().find(|x| x.id == 1).unwrap();
        assert_eq!(toy.imdb_id.as_deref(), Some("tt0114709"));
        assert_eq!(toy.runtime, Some(81));
        assert_eq!(toy.title, "Toy Story", "the catalogue's own title stays");
        // What the original client's detail page shows.
        assert_eq!(toy.released.as_deref(), Some("1995-11-22"));
        assert_eq!(toy.imdb_rating, Some(8.3));
        assert_eq!(toy.imdb_votes, Some(860_790));
        let rated = movies.iter().filter(|x| x.imdb_rating.is_some()).count();
        let released = movies.iter().filter(|x| x.released.is_some()).count();
        eprintln!("ml-1m: {rated} movies with an IMDb rating, {released} with a release date");
        assert!(
            rated >= 3000 && released >= 3000,
            "{rated} rated, {released} released"
        );
    }
    if let Some(ml100k) = shared_dataset(
        m,
        "ml-100k",
        "omdb_metadata_repair_and_match_rates (ml-100k)",
    ) {
        let opts = LoadOptions {
            metadata: Some(file.clone()),
            ..LoadOptions::default()
        };
        let (ds, report) = data::load(&ml100k, &opts).unwrap();
        let r = report.metadata.unwrap();
        eprintln!(
            "ml-100k: matched {}/{} by title+year ({:.1}%, {} placeholder lines)",
            r.matched_by_title_year,
            ds.movies.len(),
            r.match_rate * 100.0,
            r.matched_placeholder
        );
        assert_eq!(ds.movies.len(), 1682, "no movie is dropped");
        assert_eq!(r.matched + r.fallback, 1682);
        assert!(r.matched_by_title_year >= 1640, "{r:?}");
        let pres = ds
            .movies
            .iter()
            .find(|x| x.title == "American President, The")
            .unwrap();
        assert_eq!(pres.director.as_deref(), Some("Rob Reiner"));
        // OMDb's date wins over u.item's (01-Jan-1995 for most 1995 titles).
        assert_eq!(pres.released.as_deref(), Some("1995-11-17"));
    }
}
