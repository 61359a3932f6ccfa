# A pipeline that loads the day's orders into SQLite, for Start-DataPipeline:
#   Start-DataPipeline ./examples/pipelines/orders.psd1
# Relative paths are relative to this file. Rejected records go to the dead-letter queue
# (Get-DataPipelineDeadLetter); a rerun updates the same rows (upsert on order_id).
@{
    Name       = 'orders'
    Source     = @{ Type = 'Csv'; Path = 'data/orders.csv' }
    Validation = @{
        Schema      = 'orders.schema.json'
        Mode        = 'Lazy'
        Columns     = @{
            order_id   = @{ Type = 'integer'; Nullable = $false; Unique = $true }
            email      = @{ Type = 'string'; Nullable = $false; Pattern = '^[^@\s]+@[^@\s]+\.[a-z]{2,}$' }
            quantity   = @{ Type = 'integer'; Minimum = 1; Maximum = 1000 }
            unit_price = @{ Type = 'decimal'; Minimum = 0 }
            order_date = @{ Type = 'date'; Nullable = $false }
            ship_date  = @{ Type = 'date' }
            status     = @{ Allowed = 'new', 'paid', 'shipped', 'test' }
        }
        Expressions = @('ship_date == null or ship_date >= order_date')
    }
    Transforms = @(
        @{ Filter = "status != 'test'" }
        @{ Derive = @{ total = 'quantity * unit_price' } }
        @{ Rename = @{ email = 'customer_email' } }
        @{ Drop = 'internal_note' }
    )
    Sink       = @{ Type = 'Sqlite'; Path = '../../output/pipelines/orders.db'; Table = 'orders'; Key = 'order_id' }
    BatchSize  = 1000
    Retry      = @{ Count = 5; BaseDelayMs = 200 }
}
