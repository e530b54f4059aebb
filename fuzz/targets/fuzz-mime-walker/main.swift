import FuzzSupport

runFuzzer { data, size in fuzzMIMEWalker(data, size) }
