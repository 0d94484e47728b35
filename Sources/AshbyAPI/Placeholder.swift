public enum AshbyAPIPlaceholder {}
