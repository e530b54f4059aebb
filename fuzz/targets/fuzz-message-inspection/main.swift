import FuzzSupport

runFuzzer { data, size in fuzzMessageInspection(data, size) }
