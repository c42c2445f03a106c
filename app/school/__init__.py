"""The school: years, terms, classes, subjects, departments, students, guardians, assignments."""
