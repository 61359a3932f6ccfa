# The orders pipeline with its rejected records in a JSON Lines file instead of the state store,
# for another system to pick up (a log shipper, a topic):
#   Start-DataPipeline ./examples/pipelines/orders-file.psd1
#   Get-DataPipelineDeadLetter -Path ./output/pipelines/orders-rejects.jsonl
# Relative paths are relative to this file.
@{
    Name        = 'orders-file'
    DeadLetters = @{ Path = '../../output/pipelines/orders-rejects.jsonl' }
    Source      = @{ Type = 'Csv'; Path = 'data/orders.csv' }
    Validation  = @{
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
    Transforms  = @(
        @{ Filter = "status != 'test'" }
        @{ Derive = @{ total = 'quantity * unit_price' } }
        @{ Rename = @{ email = 'customer_email' } }
        @{ Drop = 'internal_note' }
    )
    Sink        = @{ Type = 'Sqlite'; Path = '../../output/pipelines/orders-file.db'; Table = 'orders'; Key = 'order_id' }
    BatchSize   = 1000
    Retry       = @{ Count = 5; BaseDelayMs = 200 }
}
