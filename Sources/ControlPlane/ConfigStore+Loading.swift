import ApplianceConfig

extension ConfigStore {
    /// Applies every valid line and reports each bad one with its line number: a typo
    /// must never keep the box from starting, nor be ignored silently.
    public func loadReportingProblems() -> (configuration: Configuration, problems: [String]) {
        let text: String
        do { text = try read() } catch {
            return (Configuration(), ["cannot read \(path): \(error); starting on the defaults"])
        }
        let (configuration, problems) = Configuration.load(text)
        return (configuration, problems.map { "\(path) line \($0.lineNumber): '\($0.line)': \($0.error.message)" })
    }
}

extension Configuration {
    /// A loaded file takes effect as a whole: an enabled white-list set is logged as enabled.
    public var loadEvents: [ConfigEvent] {
        enabledWhiteListSet.map { [.whiteListSetEnabled($0)] } ?? []
    }
}
