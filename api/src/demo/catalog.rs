//! What the demo draws from: kinds of workshop with their machines, the skills their people
//! have, and the issuers that certify them. Machine makes and models are real products;
//! every id refers to the taxonomy (a test checks it).

/// A machine model with its typical technical properties: (key, value, unit).
pub struct MachineModel {
    pub make: Option<&'static str>,
    pub model: Option<&'static str>,
    pub properties: &'static [(&'static str, f64, &'static str)],
}

const fn m(
    make: &'static str,
    model: &'static str,
    properties: &'static [(&'static str, f64, &'static str)],
) -> MachineModel {
    MachineModel {
        make: Some(make),
        model: Some(model),
        properties,
    }
}

const GENERIC: &[MachineModel] = &[MachineModel {
    make: None,
    model: None,
    properties: &[],
}];

/// Models per equipment type of the taxonomy (a const table: const fn calls are not
/// promoted to statics inside a function).
const MODELS: &[(&[&str], &[MachineModel])] = &[
    (
        &["fdm-3d-printer"],
        &[
            m(
                "Prusa Research",
                "Original Prusa i3 MK3S+",
                &[
                    ("buildVolumeX", 250.0, "mm"),
                    ("buildVolumeY", 210.0, "mm"),
                    ("buildVolumeZ", 210.0, "mm"),
                ],
            ),
            m(
                "Prusa Research",
                "MK4",
                &[
                    ("buildVolumeX", 250.0, "mm"),
                    ("buildVolumeY", 210.0, "mm"),
                    ("buildVolumeZ", 220.0, "mm"),
                ],
            ),
            m(
                "Ultimaker",
                "S5",
                &[
                    ("buildVolumeX", 330.0, "mm"),
                    ("buildVolumeY", 240.0, "mm"),
                    ("buildVolumeZ", 300.0, "mm"),
                ],
            ),
            m(
                "Creality",
                "Ender-3 V2",
                &[
                    ("buildVolumeX", 220.0, "mm"),
                    ("buildVolumeY", 220.0, "mm"),
                    ("buildVolumeZ", 250.0, "mm"),
                ],
            ),
            m(
                "Bambu Lab",
                "X1 Carbon",
                &[
                    ("buildVolumeX", 256.0, "mm"),
                    ("buildVolumeY", 256.0, "mm"),
                    ("buildVolumeZ", 256.0, "mm"),
                ],
            ),
            m(
                "Raise3D",
                "Pro2",
                &[
                    ("buildVolumeX", 305.0, "mm"),
                    ("buildVolumeY", 305.0, "mm"),
                    ("buildVolumeZ", 300.0, "mm"),
                ],
            ),
        ],
    ),
    (
        &["sla-3d-printer"],
        &[
            m(
                "Formlabs",
                "Form 3",
                &[
                    ("buildVolumeX", 145.0, "mm"),
                    ("buildVolumeY", 145.0, "mm"),
                    ("buildVolumeZ", 185.0, "mm"),
                ],
            ),
            m(
                "Elegoo",
                "Saturn 2",
                &[
                    ("buildVolumeX", 219.0, "mm"),
                    ("buildVolumeY", 123.0, "mm"),
                    ("buildVolumeZ", 250.0, "mm"),
                ],
            ),
        ],
    ),
    (
        &["co2-laser-cutter", "laser-cutter"],
        &[
            m(
                "Epilog",
                "Fusion Pro 32",
                &[
                    ("bedSizeX", 812.0, "mm"),
                    ("bedSizeY", 508.0, "mm"),
                    ("laserPower", 60.0, "W"),
                ],
            ),
            m(
                "Trotec",
                "Speedy 300",
                &[
                    ("bedSizeX", 726.0, "mm"),
                    ("bedSizeY", 432.0, "mm"),
                    ("laserPower", 80.0, "W"),
                ],
            ),
            m(
                "Glowforge",
                "Pro",
                &[
                    ("bedSizeX", 495.0, "mm"),
                    ("bedSizeY", 279.0, "mm"),
                    ("laserPower", 45.0, "W"),
                ],
            ),
            m(
                "xTool",
                "P2",
                &[
                    ("bedSizeX", 600.0, "mm"),
                    ("bedSizeY", 308.0, "mm"),
                    ("laserPower", 55.0, "W"),
                ],
            ),
        ],
    ),
    (
        &["cnc-mill"],
        &[
            m(
                "Haas",
                "Mini Mill",
                &[
                    ("travelX", 406.0, "mm"),
                    ("travelY", 305.0, "mm"),
                    ("travelZ", 254.0, "mm"),
                    ("spindleSpeed", 10000.0, "rpm"),
                ],
            ),
            m(
                "Tormach",
                "PCNC 1100",
                &[
                    ("travelX", 457.0, "mm"),
                    ("travelY", 241.0, "mm"),
                    ("travelZ", 406.0, "mm"),
                    ("spindleSpeed", 5140.0, "rpm"),
                ],
            ),
        ],
    ),
    (
        &["cnc-router"],
        &[
            m(
                "ShopBot",
                "PRSalpha 96x48",
                &[
                    ("bedSizeX", 2438.0, "mm"),
                    ("bedSizeY", 1219.0, "mm"),
                    ("spindleSpeed", 18000.0, "rpm"),
                ],
            ),
            m(
                "Carbide 3D",
                "Shapeoko 4 XXL",
                &[
                    ("bedSizeX", 838.0, "mm"),
                    ("bedSizeY", 838.0, "mm"),
                    ("spindleSpeed", 30000.0, "rpm"),
                ],
            ),
        ],
    ),
    (
        &["cnc-lathe"],
        &[m(
            "Haas",
            "ST-10",
            &[
                ("swingDiameter", 413.0, "mm"),
                ("spindleSpeed", 6000.0, "rpm"),
            ],
        )],
    ),
    (
        &["lathe"],
        &[m(
            "Optimum",
            "TU 2807",
            &[
                ("swingDiameter", 280.0, "mm"),
                ("spindleSpeed", 2200.0, "rpm"),
            ],
        )],
    ),
    (
        &["mig-welder"],
        &[
            m(
                "Lincoln Electric",
                "Power MIG 210 MP",
                &[("weldingCurrentMax", 220.0, "A")],
            ),
            m(
                "Miller",
                "Multimatic 215",
                &[("weldingCurrentMax", 230.0, "A")],
            ),
        ],
    ),
    (
        &["tig-welder"],
        &[
            m(
                "Miller",
                "Dynasty 210",
                &[("weldingCurrentMax", 210.0, "A")],
            ),
            m(
                "ESAB",
                "Rebel EMP 215ic",
                &[("weldingCurrentMax", 230.0, "A")],
            ),
        ],
    ),
    (
        &["stick-welder"],
        &[m(
            "Lincoln Electric",
            "AC-225",
            &[("weldingCurrentMax", 225.0, "A")],
        )],
    ),
    (
        &["plasma-cutter"],
        &[m(
            "Hypertherm",
            "Powermax45 XP",
            &[("cuttingThickness", 16.0, "mm")],
        )],
    ),
    (
        &["soldering-station"],
        &[m("Hakko", "FX-888D", &[]), m("Weller", "WE 1010", &[])],
    ),
    (
        &["reflow-oven"],
        &[m(
            "Puhui",
            "T-962A",
            &[("bedSizeX", 300.0, "mm"), ("bedSizeY", 320.0, "mm")],
        )],
    ),
    (
        &["pick-and-place-machine"],
        &[m("NeoDen", "NeoDen 4", &[("feeders", 48.0, "")])],
    ),
    (
        &["pcb-mill"],
        &[
            m(
                "LPKF",
                "ProtoMat S64",
                &[("bedSizeX", 229.0, "mm"), ("bedSizeY", 305.0, "mm")],
            ),
            m(
                "Bantam Tools",
                "Desktop PCB Milling Machine",
                &[("bedSizeX", 140.0, "mm"), ("bedSizeY", 114.0, "mm")],
            ),
        ],
    ),
    (
        &["oscilloscope"],
        &[m("Rigol", "DS1054Z", &[("bandwidth", 50.0, "MHz")])],
    ),
    (
        &["sewing-machine"],
        &[
            m(
                "Singer",
                "Heavy Duty 4423",
                &[("stitchesPerMinute", 1100.0, "spm")],
            ),
            m("Brother", "CS6000i", &[("stitchesPerMinute", 850.0, "spm")]),
        ],
    ),
    (
        &["industrial-sewing-machine"],
        &[m(
            "Juki",
            "DDL-8700",
            &[("stitchesPerMinute", 5500.0, "spm")],
        )],
    ),
    (
        &["overlocker"],
        &[m(
            "Juki",
            "MO-654DE",
            &[("stitchesPerMinute", 1500.0, "spm")],
        )],
    ),
    (
        &["embroidery-machine"],
        &[m("Brother", "PR1055X", &[("needles", 10.0, "")])],
    ),
    (
        &["vinyl-cutter"],
        &[m(
            "Roland",
            "CAMM-1 GS-24",
            &[("cuttingWidth", 584.0, "mm")],
        )],
    ),
    (
        &["vacuum-former"],
        &[m(
            "Mayku",
            "FormBox",
            &[("formingAreaX", 200.0, "mm"), ("formingAreaY", 200.0, "mm")],
        )],
    ),
    (
        &["injection-moulding-machine"],
        &[m(
            "Arburg",
            "Allrounder 270 S",
            &[("clampingForce", 250.0, "kN")],
        )],
    ),
    (&["3d-scanner"], &[m("Shining 3D", "EinScan-SE", &[])]),
    (&["cmm"], &[m("Zeiss", "Contura", &[])]),
];

/// Models per equipment type; a generic unnamed machine for types without a model here.
pub fn models(equipment_type: &str) -> &'static [MachineModel] {
    MODELS
        .iter()
        .find(|(types, _)| types.contains(&equipment_type))
        .map(|(_, models)| *models)
        .unwrap_or(GENERIC)
}

/// A kind of workshop: its machines (type, min, max count, probability present), the
/// processes it offers beyond what its machines imply, its materials and its people.
pub struct Archetype {
    pub key: &'static str,
    /// Share of generated facilities, in percent.
    pub weight: u32,
    pub names: &'static [&'static str],
    pub machines: &'static [(&'static str, u32, u32, f64)],
    pub extra_processes: &'static [&'static str],
    pub materials: &'static [&'static str],
    /// Skills of its people: (label, process id the skill names, if any).
    pub skills: &'static [(&'static str, Option<&'static str>)],
    pub job_titles: &'static [&'static str],
}

pub const ARCHETYPES: &[Archetype] = &[
    Archetype {
        key: "fab-lab",
        weight: 40,
        names: &["Fab Lab", "Makerspace", "Maker Hub", "Innovation Hub"],
        machines: &[
            ("fdm-3d-printer", 2, 6, 1.0),
            ("co2-laser-cutter", 1, 2, 0.9),
            ("cnc-router", 1, 1, 0.6),
            ("vinyl-cutter", 1, 1, 0.7),
            ("soldering-station", 2, 6, 0.8),
            ("pcb-mill", 1, 1, 0.4),
            ("sla-3d-printer", 1, 2, 0.5),
            ("3d-scanner", 1, 1, 0.3),
        ],
        extra_processes: &["assembly"],
        materials: &["pla", "petg", "abs", "pmma", "plywood", "mdf", "fr-4"],
        skills: &[
            ("FDM 3D printing", Some("fdm")),
            ("Laser cutting", Some("laser-cutting")),
            ("CAD modelling", None),
            ("CNC routing", Some("cnc-routing")),
            ("Vinyl cutting", Some("vinyl-cutting")),
            ("Resin 3D printing", Some("sla")),
            ("Soldering", Some("soldering")),
        ],
        job_titles: &[
            "Fab lab manager",
            "Workshop technician",
            "Digital fabrication instructor",
        ],
    },
    Archetype {
        key: "metal",
        weight: 15,
        names: &[
            "Metal Works",
            "Fabrication Workshop",
            "Engineering Workshop",
        ],
        machines: &[
            ("mig-welder", 1, 4, 1.0),
            ("tig-welder", 1, 2, 0.7),
            ("stick-welder", 1, 2, 0.6),
            ("plasma-cutter", 1, 1, 0.8),
            ("press-brake", 1, 1, 0.5),
            ("lathe", 1, 2, 0.6),
            ("cnc-lathe", 1, 1, 0.3),
            ("cnc-mill", 1, 1, 0.4),
            ("drill-press", 1, 2, 0.9),
            ("band-saw", 1, 1, 0.8),
            ("powder-coating-oven", 1, 1, 0.3),
        ],
        extra_processes: &["sheet-metal-fabrication", "assembly"],
        materials: &["mild-steel", "stainless-steel", "aluminium"],
        skills: &[
            ("MIG welding", Some("mig-welding")),
            ("TIG welding", Some("tig-welding")),
            ("Stick welding", Some("stick-welding")),
            ("Plasma cutting", Some("plasma-cutting")),
            ("Sheet metal bending", Some("bending")),
            ("CNC milling", Some("cnc-milling")),
            ("Lathe turning", Some("manual-turning")),
            ("Powder coating", Some("powder-coating")),
        ],
        job_titles: &["Welder", "Fabricator", "Machinist"],
    },
    Archetype {
        key: "textile",
        weight: 12,
        names: &["Textile Studio", "Sewing Cooperative", "Garment Workshop"],
        machines: &[
            ("industrial-sewing-machine", 3, 10, 1.0),
            ("sewing-machine", 1, 4, 0.7),
            ("overlocker", 1, 3, 0.9),
            ("embroidery-machine", 1, 1, 0.5),
            ("screen-printing-press", 1, 1, 0.4),
        ],
        extra_processes: &["pattern-making"],
        materials: &["cotton", "polyester"],
        skills: &[
            ("Industrial sewing", Some("sewing")),
            ("Pattern making", Some("pattern-making")),
            ("Machine embroidery", Some("embroidery")),
            ("Screen printing", Some("screen-printing")),
            ("Garment construction", Some("sewing")),
        ],
        job_titles: &["Tailor", "Seamstress", "Production supervisor"],
    },
    Archetype {
        key: "electronics",
        weight: 12,
        names: &["Electronics Lab", "Hardware Lab"],
        machines: &[
            ("soldering-station", 3, 8, 1.0),
            ("reflow-oven", 1, 1, 0.8),
            ("pick-and-place-machine", 1, 1, 0.5),
            ("pcb-mill", 1, 1, 0.6),
            ("oscilloscope", 1, 3, 0.9),
            ("fdm-3d-printer", 1, 2, 0.6),
        ],
        extra_processes: &["pcb-assembly", "electronics-testing"],
        materials: &["fr-4", "solder"],
        skills: &[
            ("Soldering", Some("soldering")),
            ("SMT assembly", Some("smt-assembly")),
            ("PCB design", None),
            ("Reflow soldering", Some("reflow-soldering")),
            ("Embedded programming", None),
            ("Electronics testing", Some("electronics-testing")),
        ],
        job_titles: &[
            "Electronics technician",
            "Hardware engineer",
            "Test technician",
        ],
    },
    Archetype {
        key: "wood",
        weight: 11,
        names: &["Woodshop", "Carpentry Workshop"],
        machines: &[
            ("cnc-router", 1, 1, 0.6),
            ("table-saw", 1, 2, 1.0),
            ("band-saw", 1, 1, 0.8),
            ("wood-lathe", 1, 2, 0.6),
            ("drill-press", 1, 1, 0.7),
            ("spray-booth", 1, 1, 0.3),
        ],
        extra_processes: &["carpentry", "joinery"],
        materials: &["plywood", "hardwood", "mdf"],
        skills: &[
            ("Carpentry", Some("carpentry")),
            ("Woodturning", Some("woodturning")),
            ("CNC routing", Some("cnc-routing")),
            ("Joinery", Some("joinery")),
            ("Spray finishing", Some("spray-painting")),
        ],
        job_titles: &["Carpenter", "Cabinet maker", "Workshop lead"],
    },
    Archetype {
        key: "medical",
        weight: 10,
        names: &["MedTech Makerspace", "Biomedical Workshop"],
        machines: &[
            ("fdm-3d-printer", 3, 8, 1.0),
            ("sla-3d-printer", 1, 2, 0.9),
            ("co2-laser-cutter", 1, 1, 0.9),
            ("cnc-mill", 1, 1, 0.7),
            ("industrial-sewing-machine", 2, 4, 0.8),
            ("injection-moulding-machine", 1, 1, 0.5),
            ("soldering-station", 2, 4, 0.9),
            ("reflow-oven", 1, 1, 0.5),
            ("3d-scanner", 1, 1, 0.5),
        ],
        extra_processes: &["quality-control", "assembly", "pcb-assembly"],
        materials: &["pla", "petg", "nylon", "tpu", "pmma", "cotton", "fr-4"],
        skills: &[
            ("Quality inspection", Some("quality-control")),
            ("Injection moulding", Some("injection-moulding")),
            ("Medical device assembly", Some("assembly")),
            ("FDM 3D printing", Some("fdm")),
            ("Industrial sewing", Some("sewing")),
            ("Soldering", Some("soldering")),
        ],
        job_titles: &[
            "Biomedical technician",
            "Production technician",
            "QA inspector",
        ],
    },
];

/// Skills anyone may list next to their trade.
pub const GENERAL_SKILLS: &[(&str, Option<&str>)] = &[
    ("Product design", None),
    ("Project management", None),
    ("Teaching", None),
    ("Technical drawing", None),
];

/// A credential issuer of the demo and its achievements, as (name, aligned skill).
pub struct IssuerSpec {
    pub name: &'static str,
    pub url: &'static str,
    pub trusted: bool,
    pub awards: &'static [(&'static str, &'static str)],
}

pub const ISSUERS: &[IssuerSpec] = &[
    IssuerSpec {
        name: "Open Fabrication Academy (demo)",
        url: "https://academy.example.org",
        trusted: true,
        awards: &[
            ("FDM Printing Practitioner", "FDM 3D printing"),
            ("Laser Cutter Operator", "Laser cutting"),
            ("CNC Router Operator", "CNC routing"),
            ("Quality Inspection Basics", "Quality inspection"),
        ],
    },
    IssuerSpec {
        name: "Welding Skills Council (demo)",
        url: "https://welding.example.org",
        trusted: true,
        awards: &[
            ("Certified MIG Welder", "MIG welding"),
            ("Certified TIG Welder", "TIG welding"),
            ("Plasma Cutting Safety", "Plasma cutting"),
        ],
    },
    IssuerSpec {
        name: "Electronics Assembly Board (demo)",
        url: "https://electronics.example.org",
        trusted: true,
        awards: &[
            ("SMT Assembly Operator", "SMT assembly"),
            ("Soldering Proficiency", "Soldering"),
        ],
    },
    IssuerSpec {
        name: "Community Sewing Circle (demo)",
        url: "https://sewing.example.org",
        trusted: false,
        awards: &[("Industrial Sewing Certificate", "Industrial sewing")],
    },
];

pub fn archetype(key: &str) -> Option<&'static Archetype> {
    ARCHETYPES.iter().find(|a| a.key == key)
}
