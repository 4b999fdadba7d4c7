print("spawnc")
