public enum AshbySimulatorPlaceholder {}
