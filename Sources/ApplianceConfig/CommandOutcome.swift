/// What executing one console line produced.
public enum CommandOutcome: Equatable, Sendable {
    /// A configuration command was applied to the model; the events say what else must happen.
    case configured([ConfigEvent])
    /// An operational command the daemon (or offline console) carries out itself.
    case operation(ConsoleOperation)
}
