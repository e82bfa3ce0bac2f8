//! Employer organisations (and, later, their vacancies). An employer registers together with
//! their organisation and becomes its owner.

pub mod store;
