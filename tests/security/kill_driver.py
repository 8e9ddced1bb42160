"""The child of the kill -9 loop (tests/security/kill_loop.py): it opens an existing vault
and writes through the real service layer until it is killed.

    python tests/security/kill_driver.py save|import FOLDER SEED WORKDIR   (passphrase on stdin)

It reports on stdout, one whole line per ``write`` + ``flush`` (a pipe write this short is
atomic, so a kill never leaves half a line), and only after the call returned:

- ``PHASE <name>`` before each phase (open, work, checkpoint, lock), to tell where a kill
  landed;
- ``SAVED <id> <revision> <text>`` after ``InterviewService.save`` returned;
- ``IMPORTED <n> <id>:<revision>:<text>,...`` after ``InterviewService.import_records``
  returned, for a JSON Lines file read and checked by ``jsonl.read_lines`` and
  ``jsonl.parse_lines``, as ``intake import`` does (intake/cli/records.py, ``cmd_import``).

Every save is of a record loaded afresh (a new editing session), so each one is a new
revision; each text is unique, so the parent can tell which save it finds.
Saves write intake.db alone; every 3 saves the text index is brought up to date, a write
to both intake.db and index.db (imports write both in every transaction). Every 10 writes
the connection is checkpointed (TRUNCATE) and closed, every 40 the vault is
locked (audit head bound into the key file) and unlocked again.
"""

from __future__ import annotations

import random
import sys
from pathlib import Path

from intake.domain.questions import QUESTIONNAIRE
from intake.domain.record import Record
from intake.exchange.formats import jsonl
from intake.services.interviews import InterviewService
from intake.vault.vault import Vault

USER = "kim"
TEXT = "narrative.summary"
CHECKPOINT_EVERY = 10
RELOCK_EVERY = 40
INDEX_EVERY = 3
NEW_PER_IMPORT = 4
UPDATED_PER_IMPORT = 3


def say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def unlock(folder: Path, passphrase: str) -> tuple[Vault, InterviewService]:
    say("PHASE open")
    vault = Vault.open(folder, USER, passphrase)
    say("PHASE work")
    return vault, InterviewService(vault)


def save_one(service: InterviewService, rng: random.Random, known: list[str],
             text: str) -> None:
    if len(known) < 20 or rng.random() < 0.3:
        record = service.new_record()
    else:
        record = service.load(rng.choice(known))
    record.answers[TEXT] = text
    saved = service.save(record)
    if saved.id not in known:
        known.append(saved.id)
    say(f"SAVED {saved.id} {saved.revision} {text}")


def import_one(service: InterviewService, rng: random.Random, known: dict[str, int],
               workdir: Path, tag: str) -> None:
    batch: list[Record] = []
    for k in range(NEW_PER_IMPORT):
        record = Record.new(USER)
        record.revision = 1
        record.answers[TEXT] = f"{tag}-n{k}"
        batch.append(record)
    for k, record_id in enumerate(rng.sample(sorted(known), min(UPDATED_PER_IMPORT,
                                                                len(known)))):
        record = service.load(record_id)
        record.revision = known[record_id] + 1
        record.answers[TEXT] = f"{tag}-u{k}"
        batch.append(record)
    path = workdir / f"{tag}.jsonl"
    with path.open("w", encoding="utf-8") as out:
        jsonl.write_records(batch, out)
    records = jsonl.parse_lines(jsonl.read_lines(path), QUESTIONNAIRE, USER)
    result = service.import_records(records)
    path.unlink()
    done = [(r.id, r.revision, r.answers[TEXT]) for r in batch]
    for record_id, revision, _text in done:
        known[record_id] = revision
    count = result.added + result.updated
    say(f"IMPORTED {count} " + ",".join(f"{i}:{r}:{t}" for i, r, t in done))


def main() -> None:
    mode, folder, seed, workdir = sys.argv[1], Path(sys.argv[2]), sys.argv[3], Path(sys.argv[4])
    passphrase = sys.stdin.readline().rstrip("\n")
    rng = random.Random(seed)
    say("START")
    vault, service = unlock(folder, passphrase)
    ids = [s.id for s in service.summaries(limit=100_000)]
    known_saves = list(ids)
    known_imports = {record_id: service.load(record_id).revision for record_id in ids}
    step = 0
    while True:
        step += 1
        tag = f"{seed}-{step}"
        if mode == "save":
            save_one(service, rng, known_saves, tag)
            if step % INDEX_EVERY == 0:  # a write to both files (intake.db and index.db)
                service.index_pending()
        else:
            import_one(service, rng, known_imports, workdir, tag)
        if step % RELOCK_EVERY == 0:
            say("PHASE lock")
            vault.close()
            vault, service = unlock(folder, passphrase)
        elif step % CHECKPOINT_EVERY == 0:
            say("PHASE checkpoint")
            vault.close_connections()
            say("PHASE work")


if __name__ == "__main__":
    main()
