public enum HireLedgerPlaceholder {}
