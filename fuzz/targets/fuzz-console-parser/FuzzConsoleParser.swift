import ApplianceConfig
import FuzzSupport

/// The console's command line: tokenizer, command tree, parameter parser and
/// `Configuration.execute`, on any lines. Checks that what was configured survives a save and a
/// load: `load(rendered())` gives an equal configuration with no problem reported (otherwise a
/// restart would lose or refuse the administrator's settings), and renders the same text.
///
/// Input: console lines separated by LF (at most 32), also loaded as a configuration file.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConsoleParser(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt {
    var input = FuzzInput(data, size)
    let text = String(decoding: input.rest(), as: UTF8.self)
    var configuration = Configuration()
    for line in text.split(separator: "\n", omittingEmptySubsequences: false).prefix(32) {
        _ = configuration.execute(String(line))
    }
    let saved = configuration.rendered()
    let (loaded, problems) = Configuration.load(saved)
    invariant(problems.isEmpty, "the saved configuration does not load: \(problems.first.map { "\($0)" } ?? "")")
    invariant(loaded == configuration, "the loaded configuration differs from the saved one")
    invariant(loaded.rendered() == saved, "the loaded configuration renders differently")
    _ = Configuration.load(text)
    return 0
}
