//! The table runner of the bad-input catalogues (`bad_input/`, `bad_input_dpop.rs`).

use std::panic::{catch_unwind, AssertUnwindSafe};

/// One row of a table: a name, an input, and the error it must produce.
pub struct Case<I, E> {
    name: &'static str,
    input: I,
    expect: fn(&E) -> bool,
}

pub fn case<I, E>(name: &'static str, input: I, expect: fn(&E) -> bool) -> Case<I, E> {
    Case {
        name,
        input,
        expect,
    }
}

/// Runs a table; collects every case that panicked, was accepted or failed differently.
pub fn run<I, T, E: core::fmt::Debug>(table: Vec<Case<I, E>>, f: impl Fn(I) -> Result<T, E>) {
    let mut failures = Vec::new();
    let count = table.len();
    for Case {
        name,
        input,
        expect,
    } in table
    {
        match catch_unwind(AssertUnwindSafe(|| f(input))) {
            Err(_) => failures.push(format!("{name}: panicked")),
            Ok(Ok(_)) => failures.push(format!("{name}: accepted")),
            Ok(Err(e)) if expect(&e) => {}
            Ok(Err(e)) => failures.push(format!("{name}: wrong error {e:?}")),
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {count} cases failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
