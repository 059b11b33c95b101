#!/usr/bin/env python3
"""Writes N generated OKW facility records (camelCase JSON array) to standard output, for
the import benchmark. Deterministic: the same N gives the same file."""
import json
import random
import sys

n = int(sys.argv[1]) if len(sys.argv) > 1 else 100_000
rng = random.Random(42)
processes = [
    "https://en.wikipedia.org/wiki/Fused_filament_fabrication",
    "https://en.wikipedia.org/wiki/Laser_cutting",
    "https://en.wikipedia.org/wiki/Gas_metal_arc_welding",
    "https://en.wikipedia.org/wiki/Sewing",
    "https://en.wikipedia.org/wiki/Soldering",
    "https://en.wikipedia.org/wiki/Stereolithography",
    "CNC milling",
    "Woodworking",
]
machines = [
    ("FDM 3D printer", "Prusa Research", "MK4", "250 x 210 x 220 mm"),
    ("Laser cutter", "Trotec", "Speedy 300", "726 x 432 mm"),
    ("MIG welder", "Lincoln Electric", "Power MIG 210 MP", None),
    ("Industrial sewing machine", "Juki", "DDL-8700", None),
]
statuses = ["Active", "Active", "Active", "Planned", "Temporary Closure"]
sys.stdout.write("[\n")
for i in range(n):
    lat = round(rng.uniform(-45, 60), 5)
    lon = round(rng.uniform(-120, 150), 5)
    equipment = []
    for kind, make, model, size in rng.sample(machines, rng.randint(1, 2)):
        e = {"equipmentType": kind, "make": make, "model": model, "quantity": rng.randint(1, 4)}
        if size:
            e["buildVolume" if "printer" in kind else "workingSurface"] = size
        equipment.append(e)
    record = {
        "id": f"bench-{i}",
        "name": f"Bench Space {i}",
        "facilityStatus": rng.choice(statuses),
        "accessType": "Membership",
        "location": {"address": {"city": f"City {i % 500}", "country": "GH"}, "gpsCoordinates": f"{lat}, {lon}"},
        "manufacturingProcesses": rng.sample(processes, rng.randint(2, 4)),
        "typicalMaterials": ["PLA", "Plywood"],
        "equipment": equipment,
        "typicalBatchSize": "50 -- 500 units",
    }
    sys.stdout.write(("" if i == 0 else ",\n") + json.dumps(record, separators=(",", ":")))
sys.stdout.write("\n]\n")
