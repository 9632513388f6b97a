//! `fmt`: arbitrary bytes through `infra fmt`'s formatter (`fmt::format_source`). It must not
//! panic, formatting must be idempotent (`fmt(fmt(x)) == fmt(x)`), and formatted text must
//! still parse.
#![no_main]

use infra_engine::fmt::format_source;
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let Ok(once) = format_source(text) else { return };
    match format_source(&once) {
        Ok(twice) => assert_eq!(twice, once, "fmt is not idempotent\n--- input ---\n{text}\n--- once ---\n{once}\n--- twice ---\n{twice}"),
        Err(e) => panic!("formatted text does not parse: {e}\n--- input ---\n{text}\n--- once ---\n{once}"),
    }
});
