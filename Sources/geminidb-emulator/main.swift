print("geminidb-emulator")
