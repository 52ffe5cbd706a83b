print("contract-gate")
