// The transparency log's proofs against trees of many shapes: every leaf of small trees, and a
// tree with three tile levels; tile paths as the checksum database names them.
import assert from "node:assert/strict";
import { test } from "node:test";
import { FakeSumdb } from "./testing.js";
import { openNote, parseLookup, parseTree, parseVerifierKey, proofTiles, tilePath, verifyInclusion } from "./tlog.js";

function check(db: FakeSumdb, m: number): boolean {
  const size = db.records.length;
  const tree = parseTree(openNote(db.note(), parseVerifierKey(db.vkey)));
  assert.equal(tree.size, size);
  const tiles = new Map<string, Buffer>();
  for (const t of proofTiles(m, size)) {
    const data = db.serve(tilePath(t));
    assert.ok(data, `the database serves ${tilePath(t)}`);
    tiles.set(tilePath(t), data);
  }
  return verifyInclusion(db.records[m]!, m, size, tree.root, tiles);
}

test("tile paths: three-digit groups with x prefixes, .p/W for partial tiles", () => {
  assert.equal(tilePath({ level: 0, index: 5, width: 256 }), "tile/8/0/005");
  assert.equal(tilePath({ level: 1, index: 1234067, width: 256 }), "tile/8/1/x001/x234/067");
  assert.equal(tilePath({ level: 2, index: 1000, width: 3 }), "tile/8/2/x001/000.p/3");
});

test("inclusion: every leaf of trees of 1 to 20 leaves, and around the 256-leaf tile edges", () => {
  const db = new FakeSumdb();
  for (let n = 1; n <= 20; n++) {
    db.pad(1);
    for (let m = 0; m < n; m++) assert.ok(check(db, m), `leaf ${m} of ${n}`);
  }
  db.pad(256 - 20);
  for (const m of [0, 17, 255]) assert.ok(check(db, m), `leaf ${m} of 256`);
  db.pad(45);
  for (const m of [0, 255, 256, 300]) assert.ok(check(db, m), `leaf ${m} of 301`);
});

test("inclusion: a tree past 65,536 leaves reads level-2 tiles; another record or leaf index does not verify", () => {
  const db = new FakeSumdb();
  db.pad(65536 + 700);
  const size = db.records.length;
  assert.ok(proofTiles(65536 + 5, size).some((t) => t.level === 2), "a level-2 tile is needed");
  for (const m of [3, 40000, 65536, 65536 + 699]) assert.ok(check(db, m), `leaf ${m}`);
  const tree = parseTree(openNote(db.note(), parseVerifierKey(db.vkey)));
  const tiles = new Map<string, Buffer>();
  for (const t of proofTiles(10, size)) tiles.set(tilePath(t), db.serve(tilePath(t))!);
  assert.equal(verifyInclusion(db.records[11]!, 10, size, tree.root, tiles), false);
  assert.equal(verifyInclusion(Buffer.from("forged\n"), 10, size, tree.root, tiles), false);
});

test("notes: the signature must be by the named key; lookups parse into id, record and note", () => {
  const db = new FakeSumdb("sum.test.example");
  db.add("example.com/a", "v1.0.0", "h1:AAAA", "h1:BBBB");
  const v = parseVerifierKey(db.vkey);
  const note = db.note();
  assert.match(openNote(note, v), /^go\.sum database tree\n1\n/);
  const forged = Buffer.from(note.toString().replace("tree\n1\n", "tree\n2\n"));
  assert.throws(() => openNote(forged, v), /does not verify/);
  assert.throws(() => openNote(note, parseVerifierKey(new FakeSumdb("sum.test.example").vkey)), /no signature by sum\.test\.example/);
  assert.throws(() => parseVerifierKey("sum.test.example+00000000+AQ=="), /not an Ed25519 key/);
  assert.throws(() => parseVerifierKey(db.vkey.replace(/\+[0-9a-f]{8}\+/, "+00000000+")), /hash does not match/);
  const l = parseLookup(db.serve("lookup/example.com/a@v1.0.0")!);
  assert.equal(l.id, 0);
  assert.equal(l.record.toString(), "example.com/a v1.0.0 h1:AAAA\nexample.com/a v1.0.0/go.mod h1:BBBB\n");
  assert.match(l.note.toString(), /^go\.sum database tree\n/);
});
