import ApplianceConfig
import FuzzSupport

/// The console's command line: tokenizer, command tree, parameter parser and
/// `Configuration.execute`, on any lines. Checks that what was configured survives a save and a
/// load: `load(rendered())` gives an equal configuration with no problem reported (otherwise a
/// restart would lose or refuse the administrator's settings), and renders the same text.
///
/// Input: console lines separated by LF (at most 32), also loaded as a configuration file
/// (lines setting a password in clear are left out of both, see `setsClearPassword`).
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConsoleParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let text = String(decoding: input.rest(), as: UTF8.self)
    var configuration = Configuration()
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(32)
    where !setsClearPassword(line) {
        _ = configuration.execute(String(line))
    }
    let saved = configuration.rendered()
    let (loaded, problems) = Configuration.load(saved)
    invariant(problems.isEmpty, "the saved configuration does not load: \(problems.first.map { "\($0)" } ?? "")")
    invariant(loaded == configuration, "the loaded configuration differs from the saved one")
    invariant(loaded.rendered() == saved, "the loaded configuration renders differently")
    _ = Configuration.load(text.split(separator: "\n", omittingEmptySubsequences: false)
        .filter { !setsClearPassword($0) }.joined(separator: "\n"))
    return 0
}

/// Whether the line may set a password in clear: each costs a PBKDF2 hash (20,000 rounds of
/// SHA-256, `PasswordHash`), which would cut the executions per second a hundredfold. Keywords
/// may be abbreviated, so any word that could stand for `password` counts, unless the line gives
/// an already hashed password (`encrypted HASH`, no hashing).
func setsClearPassword(_ line: Substring) -> Bool {
    let words = line.lowercased().split(whereSeparator: { $0 == " " || $0 == "\t" })
    let password = words.contains { $0.count >= 2 && "password".hasPrefix($0) && $0 != "pass" } || words.contains("p")
    let hashed = words.contains { $0.count >= 2 && "encrypted".hasPrefix($0) }
    return password && !hashed
}
