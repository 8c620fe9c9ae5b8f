#!/usr/bin/env python3
"""Writes the TIC test telegrams of tests/data/tic/ from the rules of
Enedis-NOI-CPT_54E v3, independently of borne's C code: historic groups are
LF label SP data SP checksum CR with the checksum over `label SP data`;
standard groups are LF label HT [horodate HT] data HT checksum CR with the
checksum over everything up to and including the last HT; checksum =
(sum of ASCII codes & 0x3F) + 0x20; a frame is STX groups ETX.
Run it from anywhere; it rewrites the *.tic files next to itself."""
import os

def ck(span):
    return chr((sum(span.encode('ascii')) & 0x3F) + 0x20)

def hist(label, data):
    span = f"{label} {data}"
    return f"\n{span} {ck(span)}\r"

def std(label, data, horodate=None):
    span = f"{label}\t" + (f"{horodate}\t" if horodate is not None else "") + f"{data}\t"
    return f"\n{span}{ck(span)}\r"

def frame(groups):
    return "\x02" + "".join(groups) + "\x03"

HIST_MONO = [("ADCO", "031762120162"), ("OPTARIF", "HC.."), ("ISOUSC", "45"),
             ("HCHC", "001234567"), ("HCHP", "007654321"), ("PTEC", "HC.."),
             ("IINST", "012"), ("IMAX", "090"), ("PAPP", "02760"), ("HHPHC", "A"),
             ("MOTDETAT", "000000")]
HIST_TRI = [("ADCO", "031762120163"), ("OPTARIF", "BASE"), ("ISOUSC", "30"),
            ("BASE", "012345678"), ("PTEC", "TH.."), ("IINST1", "010"), ("IINST2", "005"),
            ("IINST3", "020"), ("IMAX1", "060"), ("IMAX2", "060"), ("IMAX3", "060"),
            ("PMAX", "12000"), ("PAPP", "08050"), ("HHPHC", "A"), ("MOTDETAT", "000000"),
            ("PPOT", "00")]
STD_TRI = [("ADSC", "041876097467", None), ("VTIC", "02", None),
           ("DATE", "", "H230115223518"), ("NGTF", "H PLEINE/CREUSE ", None),
           ("LTARF", "HEURE  CREUSE   ", None), ("EAST", "012345678", None),
           ("EASF01", "004000000", None), ("IRMS1", "012", None), ("IRMS2", "008", None),
           ("IRMS3", "010", None), ("URMS1", "232", None), ("URMS2", "230", None),
           ("URMS3", "231", None), ("PREF", "12", None), ("PCOUP", "12", None),
           ("SINSTS", "07130", None), ("SINSTS1", "02780", None), ("SINSTS2", "01850", None),
           ("SINSTS3", "02500", None), ("SMAXSN", "08110", "H230115181512"),
           ("NTARF", "01", None), ("NJOURF", "00", None), ("STGE", "003A0001", None),
           ("MSG1", "PAS DE          MESSAGE         ", None), ("RELAIS", "000", None)]
STD_MONO_INJ = [("ADSC", "041876097468", None), ("VTIC", "02", None),
                ("LTARF", "BASE", None), ("EAST", "000100200", None), ("EAIT", "000300400", None),
                ("IRMS1", "005", None), ("URMS1", "236", None), ("PREF", "06", None),
                ("SINSTS", "00000", None), ("SINSTI", "01150", None), ("NTARF", "01", None)]

FIXTURES = {
    "historic_mono.tic": frame([hist(l, d) for l, d in HIST_MONO]),
    "historic_tri.tic": frame([hist(l, d) for l, d in HIST_TRI]),
    "standard_tri.tic": frame([std(l, d, h) for l, d, h in STD_TRI]),
    "standard_mono_injection.tic": frame([std(l, d, h) for l, d, h in STD_MONO_INJ]),
}

if __name__ == "__main__":
    here = os.path.dirname(os.path.abspath(__file__))
    for name, text in FIXTURES.items():
        with open(os.path.join(here, name), "wb") as f:
            f.write(text.encode("ascii"))
        print(name, len(text))
