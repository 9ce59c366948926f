//! Every format on synthetic fixtures generated here (CSV quoting, latin-1,
//! missing years, the generic format), and the bad-input messages.

use std::path::Path;

use reelgraph_trainer::data::{self, DataError, Format, LoadOptions};

fn write(dir: &Path, name: &str, bytes: impl AsRef<[u8]>) {
    std::fs::write(dir.join(name), bytes).unwrap();
}

fn strict() -> LoadOptions {
    LoadOptions::default()
}

fn skipping() -> LoadOptions {
    LoadOptions {
        skip_bad_lines: true,
        ..LoadOptions::default()
    }
}

/// A bad-line error's (file, line) and reason.
fn bad_line(err: anyhow::Error) -> (String, usize, String) {
    match err.downcast::<DataError>() {
        Ok(DataError::BadLine { file, line, reason }) => (file, line, reason),
        Ok(other) => panic!("expected a bad-line error, got {other}"),
        Err(e) => panic!("expected a bad-line error, got {e:#}"),
    }
}

fn flags(on: &[usize]) -> String {
    (0..19)
        .map(|i| if on.contains(&i) { "1" } else { "0" })
        .collect::<Vec<_>>()
        .join("|")
}

/// ml-100k: 3 users, 4 movies (one latin-1 title, one without a year).
fn ml100k(dir: &Path) {
    let mut item = Vec::new();
    item.extend_from_slice(
        format!(
            "1|Toy Story (1995)|01-Jan-1995||http://x|{}\n",
            flags(&[3, 4, 5])
        )
        .as_bytes(),
    );
    item.extend_from_slice(b"2|Mis\xe9rables, Les (1995)|01-Jan-1995||http://x|");
    item.extend_from_slice(flags(&[8]).as_bytes());
    item.push(b'\n');
    item.extend_from_slice(format!("3|unknown||||{}\n", flags(&[0])).as_bytes());
    item.extend_from_slice(
        format!("4|No Year Here|05-Mar-1997||http://x|{}\n", flags(&[1])).as_bytes(),
    );
    write(dir, "u.item", item);
    write(
        dir,
        "u.user",
        "1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n",
    );
    write(
        dir,
        "u.data",
        "1\t1\t5\t100\n1\t2\t3\t50\n1\t3\t4\t200\n1\t4\t1\t200\n2\t1\t4\t10\n2\t2\t2\t20\n3\t4\t5\t5\n",
    );
}

#[test]
fn ml100k_fixture() {
    let t = tempfile::tempdir().unwrap();
    ml100k(t.path());
    let (ds, r) = data::load(t.path(), &strict()).unwrap();
    assert_eq!(ds.format, Format::Ml100k);
    assert_eq!((ds.movies.len(), ds.interactions.len()), (4, 7));
    assert_eq!((r.users, r.users_in_file), (3, Some(3)));
    let m = &ds.movies;
    assert_eq!(m[0].genres, vec!["Animation", "Children's", "Comedy"]);
    assert_eq!(m[1].title, "Misérables, Les");
    assert_eq!(m[1].display_title, "Les Misérables");
    assert_eq!(
        (m[2].title.as_str(), m[2].year, m[2].genres.len()),
        ("unknown", None, 0)
    );
    // no year in the title: the release date gives it
    assert_eq!(
        (m[3].title.as_str(), m[3].year),
        ("No Year Here", Some(1997))
    );
    assert_eq!(r.movies_without_year, 1);
    assert_eq!((r.first_timestamp, r.last_timestamp), (Some(5), Some(200)));

    // Split: user 1 has times 100,50,200,200 -> order i2,i1,i3,i4 (tie in file order).
    let s = data::split(&ds).unwrap();
    assert_eq!(s.item_ids, vec![1, 2, 3, 4]);
    assert_eq!(s.train[0], vec![1, 0]);
    assert_eq!((s.val[0], s.test[0]), (Some(2), Some(3)));
    assert_eq!((s.train_len(), s.val_len(), s.test_len()), (5, 1, 1));
}

#[test]
fn ml_dat_fixture_latin1() {
    let t = tempfile::tempdir().unwrap();
    let mut movies = b"1::Toy Story (1995)::Animation|Children's|Comedy\n".to_vec();
    movies.extend_from_slice(b"11::American President, The (1995)::Comedy|Drama|Romance\n");
    movies.extend_from_slice(b"29::City of Lost Children, The (Cit\xe9 des enfants perdus, La) (1995)::Adventure|Sci-Fi\r\n");
    write(t.path(), "movies.dat", movies);
    write(
        t.path(),
        "users.dat",
        "1::F::1::10::48067\n2::M::56::16::70072\n",
    );
    write(
        t.path(),
        "ratings.dat",
        "1::1::5::978300760\n1::11::3::978302109\n1::29::4::978301968\n2::11::4::978300275\n2::11::2::978300276\n",
    );
    let (ds, r) = data::load(t.path(), &strict()).unwrap();
    assert_eq!(ds.format, Format::MlDat);
    assert_eq!(
        (ds.movies.len(), ds.interactions.len(), ds.users_in_file),
        (3, 5, Some(2))
    );
    assert_eq!(ds.movies[1].display_title, "The American President");
    assert_eq!(
        ds.movies[2].title,
        "City of Lost Children, The (Cité des enfants perdus, La)"
    );
    assert_eq!(
        ds.movies[2].display_title,
        "The City of Lost Children (La Cité des enfants perdus)"
    );
    assert_eq!(ds.movies[2].year, Some(1995));
    // user 2 rated movie 11 twice: kept, counted
    assert_eq!(r.duplicates, 1);
    assert_eq!(r.interactions, 5);
}

#[test]
fn ml_csv_fixture_quoting_half_stars_links() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "movies.csv",
        "movieId,title,genres\n1,Toy Story (1995),Adventure|Animation|Children|Comedy|Fantasy\n\
         11,\"American President, The (1995)\",Comedy|Drama|Romance\n\
         7,\"Say \"\"Cheese\"\" (2001)\",(no genres listed)\n\
         9,Babylon 5,Sci-Fi\n",
    );
    write(
        t.path(),
        "links.csv",
        "movieId,imdbId,tmdbId\n1,0114709,862\n11,0112346,9087\n7,,\n9,0105946,\n",
    );
    write(
        t.path(),
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,4.0,964982703\n1,11,3.5,964981247\n2,7,0.5,964982224\n2,9,5.0,964983815\n",
    );
    let (ds, r) = data::load(t.path(), &strict()).unwrap();
    assert_eq!(ds.format, Format::MlCsv);
    let by = |id| ds.movies.iter().find(|m| m.id == id).unwrap();
    assert_eq!(by(11).title, "American President, The");
    assert_eq!(by(11).display_title, "The American President");
    assert_eq!(by(11).imdb_id.as_deref(), Some("tt0112346"));
    assert_eq!(by(7).title, "Say \"Cheese\"");
    assert!(by(7).genres.is_empty());
    assert_eq!((by(9).title.as_str(), by(9).year), ("Babylon 5", None));
    assert_eq!(by(7).imdb_id, None);
    let ratings: Vec<f32> = ds.interactions.iter().map(|x| x.rating).collect();
    assert_eq!(ratings, vec![4.0, 3.5, 0.5, 5.0]);
    assert_eq!(r.users, 2);

    // --min-rating 3.5 drops two
    let (ds, r) = data::load(
        t.path(),
        &LoadOptions {
            min_rating: Some(3.5),
            ..strict()
        },
    )
    .unwrap();
    assert_eq!((ds.interactions.len(), r.below_min_rating), (3, 1));
}

#[test]
fn generic_fixture_with_and_without_items() {
    let t = tempfile::tempdir().unwrap();
    // Headerless, user,item only.
    write(t.path(), "interactions.csv", "1,10\n1,20\n2,10\n2,30\n");
    let (ds, r) = data::load(t.path(), &strict()).unwrap();
    assert_eq!(ds.format, Format::Generic);
    assert_eq!(
        ds.movies.iter().map(|m| m.id).collect::<Vec<_>>(),
        vec![10, 20, 30]
    );
    assert_eq!(r.movies_added_from_interactions, 3);
    assert!(
        ds.interactions
            .iter()
            .all(|x| x.rating == 1.0 && x.timestamp == 0)
    );
    assert_eq!(data::split(&ds).unwrap().train_len(), 4);

    // With a header in another column order, and items.csv with a year column.
    write(
        t.path(),
        "interactions.csv",
        "timestamp,item,user,rating\n5,10,1,4.5\n6,20,1,3\n7,30,2,1\n",
    );
    write(
        t.path(),
        "items.csv",
        "item,title,genres,year\n10,\"Heat, The\",Action|Crime,1995\n20,Toy Story (1995),Animation,\n",
    );
    let (ds, r) = data::load(t.path(), &strict()).unwrap();
    assert_eq!(ds.interactions[0].timestamp, 5);
    assert_eq!(ds.interactions[0].rating, 4.5);
    assert_eq!(ds.interactions[2].user, 2);
    assert_eq!(ds.movies[0].display_title, "The Heat");
    assert_eq!(ds.movies[0].year, Some(1995));
    assert_eq!(ds.movies[1].year, Some(1995));
    assert_eq!(ds.movies[1].title, "Toy Story");
    assert_eq!(r.movies_added_from_interactions, 1); // item 30
    assert_eq!(ds.movies[2].title, "item 30");
}

#[test]
fn malformed_line_names_file_line_and_reason() {
    let t = tempfile::tempdir().unwrap();
    ml100k(t.path());
    write(t.path(), "u.data", "1\t1\t5\t100\n1\t2\t3\n2\tx\t4\t10\n");
    let (file, line, reason) = bad_line(data::load(t.path(), &strict()).unwrap_err());
    assert_eq!((file.as_str(), line), ("u.data", 2));
    assert!(reason.contains("expected 4"), "{reason}");

    let (ds, r) = data::load(t.path(), &skipping()).unwrap();
    assert_eq!(ds.interactions.len(), 1);
    assert_eq!(r.skipped_bad_lines, 2);
    assert!(
        r.bad_line_examples[1].starts_with("u.data:3: movie id \"x\""),
        "{:?}",
        r.bad_line_examples
    );
}

#[test]
fn ids_that_do_not_parse_and_unknown_movies() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "movies.dat",
        "1::A (1990)::Drama\nabc::B (1991)::Drama\n",
    );
    write(t.path(), "ratings.dat", "1::1::5::1\n");
    let (file, line, reason) = bad_line(data::load(t.path(), &strict()).unwrap_err());
    assert_eq!((file.as_str(), line), ("movies.dat", 2));
    assert!(
        reason.contains("movie id \"abc\" is not a non-negative integer"),
        "{reason}"
    );

    write(t.path(), "movies.dat", "1::A (1990)::Drama\n");
    write(
        t.path(),
        "ratings.dat",
        "1::1::5::1\n-4::1::5::1\n2::99::5::1\n3::1::five::1\n",
    );
    let err = data::load(t.path(), &strict()).unwrap_err();
    assert_eq!(err.to_string().split(": ").next(), Some("ratings.dat:2"));
    let (_, r) = data::load(t.path(), &skipping()).unwrap();
    assert_eq!(r.skipped_bad_lines, 3);
    assert!(r.bad_line_examples[1].contains("movie id 99 is not in movies.dat"));
    assert!(r.bad_line_examples[2].contains("rating \"five\""));
}

#[test]
fn csv_unterminated_quote_and_field_count() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "movies.csv",
        "movieId,title,genres\n1,\"Open, (1995),Drama\n2,Two, Parts (1995),Drama\n",
    );
    write(
        t.path(),
        "ratings.csv",
        "userId,movieId,rating,timestamp\n1,1,4,1\n",
    );
    let (file, line, reason) = bad_line(data::load(t.path(), &strict()).unwrap_err());
    assert_eq!((file.as_str(), line), ("movies.csv", 2));
    assert!(reason.contains("unterminated"), "{reason}");
    let err = data::load(t.path(), &skipping()).unwrap_err();
    // both catalogue lines are bad, so rating 1,1 names an unknown movie: nothing left
    assert!(
        matches!(err.downcast_ref::<DataError>(), Some(DataError::Empty(_))),
        "{err}"
    );
}

#[test]
fn duplicate_movie_ids_are_bad_lines() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "movies.dat",
        "1::A (1990)::Drama\n1::B (1991)::Drama\n",
    );
    write(t.path(), "ratings.dat", "1::1::5::1\n");
    let (_, line, reason) = bad_line(data::load(t.path(), &strict()).unwrap_err());
    assert_eq!(line, 2);
    assert!(
        reason.contains("appears twice (first on line 1)"),
        "{reason}"
    );
}

#[test]
fn empty_data_and_unknown_format() {
    let t = tempfile::tempdir().unwrap();
    let err = data::load(t.path(), &strict()).unwrap_err();
    assert!(matches!(
        err.downcast_ref::<DataError>(),
        Some(DataError::UnknownFormat { .. })
    ));
    assert!(err.to_string().contains("an empty directory"), "{err}");

    write(t.path(), "notes.txt", "hello");
    let err = data::load(t.path(), &strict()).unwrap_err();
    assert!(err.to_string().contains("found notes.txt"), "{err}");

    write(t.path(), "interactions.csv", "\n\n");
    let err = data::load(t.path(), &strict()).unwrap_err();
    assert!(
        matches!(err.downcast_ref::<DataError>(), Some(DataError::Empty(_))),
        "{err}"
    );
    assert!(
        err.to_string()
            .contains("interactions.csv holds no valid interactions"),
        "{err}"
    );

    write(t.path(), "interactions.csv", "user,item,rating\n1,2,1\n");
    let err = data::load(
        t.path(),
        &LoadOptions {
            min_rating: Some(3.0),
            ..strict()
        },
    )
    .unwrap_err();
    assert!(err.to_string().contains("--min-rating"), "{err}");

    let err = data::load(&t.path().join("missing"), &strict()).unwrap_err();
    assert!(err.to_string().contains("does not exist"), "{err}");
}

#[test]
fn metadata_join_by_id_with_repair_and_fallback() {
    let t = tempfile::tempdir().unwrap();
    write(
        t.path(),
        "movies.dat",
        "1::Toy Story (1995)::Animation\n2::Jumanji (1995)::Adventure\n3::Gone Fishin' (1997)::Comedy\n",
    );
    write(
        t.path(),
        "ratings.dat",
        "1::1::5::1\n1::2::5::2\n1::3::5::3\n",
    );
    let meta = t.path().join("meta.dat");
    std::fs::write(
        &meta,
        concat!(
            r#"1::{"Title":"Toy Story","Year":"1995","Plot":"A boy\s toys.","Actors":"Tom Hanks, Ir\xc3\xa8ne X","Runtime":"81 min","Poster":"https://img/1.jpg","imdbID":"tt0114709"}"#, "\n",
            r#"2::{"Title":"Jumanji","Year":"1995" "Plot":broken"#, "\n",
            r#"3::{"Title":"Gone Fishin\","Year":"1997","Poster":"N/A","Director":"Christopher Cain"}"#, "\n",
        ),
    )
    .unwrap();
    let (ds, r) = data::load(
        t.path(),
        &LoadOptions {
            metadata: Some(meta),
            ..strict()
        },
    )
    .unwrap();
    let m = r.metadata.unwrap();
    assert_eq!(
        (m.lines, m.parsed_as_written, m.repaired, m.unparseable),
        (3, 0, 2, 1)
    );
    assert_eq!((m.matched, m.matched_by_id, m.fallback), (2, 2, 1));
    assert_eq!(ds.movies.len(), 3, "no movie is dropped");
    assert_eq!(ds.movies[0].plot.as_deref(), Some("A boy's toys."));
    assert_eq!(ds.movies[0].actors, vec!["Tom Hanks", "Irène X"]);
    assert_eq!(ds.movies[0].runtime, Some(81));
    assert_eq!(ds.movies[1].plot, None);
    assert_eq!(ds.movies[1].title, "Jumanji"); // catalogue's own fields
    assert_eq!(ds.movies[2].director.as_deref(), Some("Christopher Cain"));
    assert_eq!(ds.movies[2].poster, None);
}

#[test]
fn metadata_join_by_title_and_year() {
    let t = tempfile::tempdir().unwrap();
    write(t.path(), "interactions.csv", "1,5\n1,6\n");
    write(
        t.path(),
        "items.csv",
        "5,\"American President, The (1995)\"\n6,Nowhere (2001)\n",
    );
    let meta = t.path().join("meta.dat");
    std::fs::write(
        &meta,
        "11::{\"Title\":\"The American President\",\"Year\":\"1995\",\"Director\":\"Rob Reiner\"}\n",
    )
    .unwrap();
    let (ds, r) = data::load(
        t.path(),
        &LoadOptions {
            metadata: Some(meta),
            ..strict()
        },
    )
    .unwrap();
    let m = r.metadata.unwrap();
    assert_eq!((m.matched_by_title_year, m.fallback), (1, 1));
    assert!((m.match_rate - 0.5).abs() < 1e-9);
    assert_eq!(ds.movies[0].director.as_deref(), Some("Rob Reiner"));
}
