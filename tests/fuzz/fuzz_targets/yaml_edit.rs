#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| meshlens_fuzz::yaml_edit(data));
