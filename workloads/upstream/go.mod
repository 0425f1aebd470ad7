module concurrencyarena/workloads/upstream

go 1.22
