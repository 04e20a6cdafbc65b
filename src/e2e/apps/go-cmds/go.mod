module example.com/cmds

go 1.22
