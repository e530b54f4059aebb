// Thin I/O over RulesetRenderer: runs `nft -f -` with the rendered file and then the policy
// routing (and sysctl) commands. Blocking; call it off the event loops. Applying is idempotent: the nft file
// replaces our tables in one transaction, and the routing set-up removes its own rule first.

import Foundation

public struct NetfilterApplyError: Error, CustomStringConvertible {
    public var command: [String]
    public var result: NetfilterProcessResult

    public var description: String {
        let why = result.timedOut ? "timed out" : "exit \(result.status)"
        let detail = result.stderr.trimmingCharacters(in: .whitespacesAndNewlines)
        return "\(command.joined(separator: " ")): \(why)" + (detail.isEmpty ? "" : ": \(detail)")
    }
}

public struct NetfilterApplier: Sendable {
    /// Run everything inside this network namespace (`ip netns exec NAME …`); nil: our own.
    public var namespace: String?
    public var nftPath: String
    public var ipPath: String
    /// Bound on `repeatUntilFailure` commands (copies of one rule).
    public var maximumRepeats: Int
    public var timeout: Double

    public init(namespace: String? = nil, nftPath: String = NetfilterProcess.locate("nft"),
                ipPath: String = NetfilterProcess.locate("ip"), maximumRepeats: Int = 32, timeout: Double = 30) {
        self.namespace = namespace
        self.nftPath = nftPath
        self.ipPath = ipPath
        self.maximumRepeats = maximumRepeats
        self.timeout = timeout
    }

    /// Installs `plan` (or, when `plan.enabled` is false, removes it).
    public func apply(_ plan: InterceptionPlan) throws {
        let ruleset = try RulesetRenderer.render(plan)
        try run(nft: ruleset.nftScript)
        for command in ruleset.commands {
            try run(command)
        }
    }

    /// Installs `plan` in place of `previous` (the plan applied before): when the mark or the
    /// routing table changed, the old policy routing is removed too (our nft tables are always
    /// replaced whole).
    public func apply(_ plan: InterceptionPlan, replacing previous: InterceptionPlan?) throws {
        if let previous, previous.fwmark != plan.fwmark || previous.routingTable != plan.routingTable {
            try previous.disabled.validate()
            for command in RulesetRenderer.systemCommands(previous.disabled) {
                try run(command)
            }
        }
        try apply(plan)
    }

    /// Removes our tables and the policy routing for `fwmark`/`routingTable`.
    public func remove(fwmark: UInt32 = 1, routingTable: UInt32 = 100) throws {
        try apply(InterceptionPlan(lan1: "-", lan2: "-", fwmark: fwmark, routingTable: routingTable, enabled: false))
    }

    /// `nft list table FAMILY NAME` (nil when the table does not exist).
    public func listTable(family: String = "inet", name: String = RulesetRenderer.tableName) throws -> String? {
        let result = try execute(nftPath, ["list", "table", family, name])
        return result.status == 0 ? result.stdout : nil
    }

    /// Packets seen by the uninspected-sessions counter of a `mode` ruleset (nil when there is
    /// no such counter: no table, or a plan that intercepts every family).
    public func uninspectedPackets(mode: InterceptionMode) throws -> UInt64? {
        let result = try execute(nftPath, ["list", "counter", RulesetRenderer.uninspectedCounterFamily(mode),
                                           RulesetRenderer.tableName, RulesetRenderer.uninspectedCounter])
        return result.status == 0 ? UninspectedSessionTally.packets(inListing: result.stdout) : nil
    }

    /// The MAC address of `interface` (e.g. the bridge, for a bridge-mode plan); nil when the
    /// interface does not exist or has none.
    public func macAddress(of interface: String) throws -> String? {
        guard InterceptionPlan.isInterfaceName(interface) else { return nil }
        let result = try execute(ipPath, ["-o", "link", "show", "dev", interface])
        guard result.status == 0 else { return nil }
        let words = result.stdout.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" })
        guard let index = words.firstIndex(of: "link/ether"), index + 1 < words.count else { return nil }
        let mac = String(words[index + 1])
        return InterceptionPlan.isMAC(mac) ? mac : nil
    }

    /// Runs `nft ARGS` or `ip ARGS` in the namespace (for inspection).
    public func execute(_ executable: String, _ arguments: [String], input: String = "") throws -> NetfilterProcessResult {
        if let namespace {
            return try NetfilterProcess.run(ipPath, ["netns", "exec", namespace, executable] + arguments,
                                            input: input, timeout: timeout)
        }
        return try NetfilterProcess.run(executable, arguments, input: input, timeout: timeout)
    }

    /// Loads a whole `nft -f` text (a table of its own, e.g. `WebConsoleGuard`'s).
    public func load(nft script: String) throws {
        try run(nft: script)
    }

    private func run(nft script: String) throws {
        let result = try execute(nftPath, ["-f", "-"], input: script)
        guard result.status == 0, !result.timedOut else {
            throw NetfilterApplyError(command: ["nft", "-f", "-"], result: result)
        }
    }

    private func run(_ command: SystemCommand) throws {
        guard let name = command.arguments.first else { return }
        let executable = name == "ip" ? ipPath : NetfilterProcess.locate(name)
        let arguments = Array(command.arguments.dropFirst())
        switch command.tolerance {
        case .mustSucceed:
            let result = try execute(executable, arguments)
            guard result.status == 0, !result.timedOut else {
                throw NetfilterApplyError(command: command.arguments, result: result)
            }
        case .ignoreFailure:
            _ = try execute(executable, arguments)
        case .repeatUntilFailure:
            for _ in 0..<maximumRepeats {
                let result = try execute(executable, arguments)
                if result.status != 0 || result.timedOut { return }
            }
        }
    }
}
