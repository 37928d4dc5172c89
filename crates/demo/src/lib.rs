//! The bundled demo mesh and the deterministic synthetic mesh generator
