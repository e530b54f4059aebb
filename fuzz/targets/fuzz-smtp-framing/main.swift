import FuzzSupport

runFuzzer { data, size in fuzzSMTPFraming(data, size) }
