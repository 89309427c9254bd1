"""Pages of the instruction (instruction.py) and of the CDSF committee (committee.py)."""
