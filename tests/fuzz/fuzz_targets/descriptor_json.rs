#![no_main]
libfuzzer_sys::fuzz_target!(|data: &[u8]| meshlens_fuzz::descriptor_json(data));
