"""The dashboard's modal screens, one module each."""
