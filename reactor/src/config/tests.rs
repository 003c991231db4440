//! Tests of [`Config`]: syntax, typed and ranged getters, known keys.

use super::*;

const TEXT: &str = "\
; a comment
# another comment
[reactor]
ip = 127.0.0.1
port = 7778   ; the DNS port
threadNum=5
[loadbalance]
err_rate = 0.1
bad_int = abc
empty =
";

fn conf() -> Config {
    Config::parse(TEXT, "test.conf").unwrap()
}

#[test]
fn reads_typed_values_and_strips_comments() {
    let c = conf();
    assert_eq!(c.get_string("reactor", "ip", "0.0.0.0"), "127.0.0.1");
    assert_eq!(c.get_int::<u16>("reactor", "port", 1).unwrap(), 7778);
    assert_eq!(c.get_int::<usize>("reactor", "threadNum", 1).unwrap(), 5);
    assert!((c.get_float("loadbalance", "err_rate", 0.5).unwrap() - 0.1).abs() < 1e-12);
}

#[test]
fn missing_or_empty_keys_give_defaults() {
    let c = conf();
    assert_eq!(c.get_int::<u32>("reactor", "maxConn", 1024).unwrap(), 1024);
    assert_eq!(c.get_int::<u32>("loadbalance", "empty", 7).unwrap(), 7);
    assert_eq!(c.get_string("nosuch", "key", "dflt"), "dflt");
    assert!(c.has_section("reactor"));
    assert!(!c.has_section("nosuch"));
}

#[test]
fn bad_value_names_file_section_key_and_value() {
    let err = conf()
        .get_int::<u32>("loadbalance", "bad_int", 1)
        .unwrap_err();
    let msg = err.to_string();
    assert_eq!(
        msg,
        "config test.conf:9 [loadbalance] bad_int: 'abc' is not a valid integer"
    );
    let made = conf().bad_value("reactor", "maxConn", "0", "must be at least 1");
    assert_eq!(
        made.to_string(),
        "config test.conf [reactor] maxConn: '0' must be at least 1",
        "a key not in the file has no line"
    );
    let err = conf().get_float("loadbalance", "bad_int", 1.0).unwrap_err();
    assert!(err.to_string().ends_with("'abc' is not a number"));
}

#[test]
fn seconds_must_be_positive() {
    let c = Config::parse("[a]\nt = 0.25\nz = 0\nn = -1\n", "x.conf").unwrap();
    assert_eq!(c.get_seconds("a", "t", 1.0).unwrap().as_millis(), 250);
    assert_eq!(c.get_seconds("a", "missing", 2.0).unwrap().as_secs(), 2);
    for key in ["z", "n"] {
        let err = c.get_seconds("a", key, 1.0).unwrap_err().to_string();
        assert!(err.contains("positive number of seconds"), "{err}");
    }
}

#[test]
fn out_of_range_integer_is_an_error() {
    let c = Config::parse("[a]\nport = 70000\n", "x.conf").unwrap();
    assert!(c.get_int::<u16>("a", "port", 1).is_err());
}

#[test]
fn ranged_integers_accept_their_bounds_and_refuse_beyond() {
    let c = Config::parse(
        "[a]\nlow = 1\nhigh = 256\nzero = 0\nhuge = 99999999999999999999999\nneg = -3\nword = x\n",
        "r.conf",
    )
    .unwrap();
    assert_eq!(c.get_int_in("a", "low", 5usize, 1..=256).unwrap(), 1);
    assert_eq!(c.get_int_in("a", "high", 5usize, 1..=256).unwrap(), 256);
    assert_eq!(c.get_int_in("a", "missing", 5usize, 1..=256).unwrap(), 5);
    let msg = |key: &str| {
        c.get_int_in("a", key, 5u16, 1..=65535)
            .unwrap_err()
            .to_string()
    };
    assert_eq!(
        msg("zero"),
        "config r.conf:4 [a] zero: '0' is out of range: 1..=65535"
    );
    assert_eq!(
        msg("huge"),
        "config r.conf:5 [a] huge: '99999999999999999999999' is out of range: 1..=65535"
    );
    assert_eq!(
        msg("neg"),
        "config r.conf:6 [a] neg: '-3' is out of range: 1..=65535"
    );
    assert_eq!(
        msg("word"),
        "config r.conf:7 [a] word: 'x' is not a valid integer"
    );
}

#[test]
fn ranged_seconds_and_zero_for_off() {
    let c = Config::parse("[a]\nt = 0.5\noff = 0\nlong = 90000\n", "s.conf").unwrap();
    let in_range = |key| c.get_seconds_in("a", key, 1.0, 0.001..=3600.0);
    assert_eq!(in_range("t").unwrap(), Duration::from_millis(500));
    assert_eq!(
        in_range("long").unwrap_err().to_string(),
        "config s.conf:4 [a] long: '90000' is out of range: 0.001 to 3600 seconds"
    );
    assert!(in_range("off").is_err(), "0 is below the range");
    let or_off = |key| c.get_seconds_or_off("a", key, 60.0, 0.001..=86400.0);
    assert_eq!(or_off("off").unwrap(), None);
    assert_eq!(or_off("t").unwrap(), Some(Duration::from_millis(500)));
    assert_eq!(or_off("missing").unwrap(), Some(Duration::from_secs(60)));
}

#[test]
fn syntax_errors_name_the_file_and_line() {
    let err = Config::parse("[reactor]\nthreadNum 5\nport = 1\n", "a.conf").unwrap_err();
    assert_eq!(
        err.to_string(),
        "config a.conf:2: 'threadNum ...' is not `key = value`, a [section] or a comment"
    );
}

#[test]
fn unknown_sections_and_keys_are_refused_with_a_hint() {
    const KNOWN: &[KnownSection] = &[
        KnownSection::new("reactor", &["ip", "port"]),
        KnownSection::new("reporter", &["db_thread_cnt"]).aliased(&["repoter"]),
    ];
    let check = |text: &str| {
        Config::parse(text, "k.conf")
            .unwrap()
            .check_known(KNOWN)
            .map_err(|e| e.to_string())
    };
    assert_eq!(
        check("[reactor]\nport = 1\n[repoter]\ndb_thread_cnt = 2\n"),
        Ok(())
    );
    assert_eq!(
        check("[reactor]\nip = 1\nprot = 7778\n").unwrap_err(),
        "config k.conf:3 [reactor] prot: unknown key; did you mean port?"
    );
    assert_eq!(
        check("; x\n[reactr]\nport = 1\n").unwrap_err(),
        "config k.conf:2: unknown section [reactr]; did you mean [reactor]?"
    );
    assert_eq!(
        check("[web]\n").unwrap_err(),
        "config k.conf:1: unknown section [web] (known: [reactor], [reporter])"
    );
    assert_eq!(
        check("[repoter]\nport = 1\n").unwrap_err(),
        "config k.conf:2 [repoter] port: unknown key; did you mean [reactor] port?"
    );
}

#[test]
fn missing_file_is_a_load_error_naming_the_file() {
    let err = Config::load("/nonexistent/lars.conf").unwrap_err();
    assert!(err
        .to_string()
        .starts_with("config /nonexistent/lars.conf:"));
}
