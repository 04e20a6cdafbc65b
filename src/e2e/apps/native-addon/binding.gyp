{
  "targets": [{ "target_name": "adder", "sources": ["adder.c"] }]
}
