module concurrencyarena/servers/go

go 1.22
