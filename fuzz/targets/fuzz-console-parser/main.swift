import FuzzSupport

runFuzzer { data, size in fuzzConsoleParser(data, size) }
