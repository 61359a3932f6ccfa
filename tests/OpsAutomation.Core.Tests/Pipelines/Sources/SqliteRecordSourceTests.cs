using Microsoft.Data.Sqlite;
using OpsAutomation.Core.Pipelines.Sources;
using OpsAutomation.Core.Tests.TestSupport;
using static OpsAutomation.Core.Tests.Pipelines.Sources.SourceTestKit;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

public sealed class SqliteRecordSourceTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly string _path;

    public SqliteRecordSourceTests()
    {
        _path = Path.Combine(_dir.Path, "orders.db");
        using var connection = new SqliteConnection($"Data Source={_path}");
        connection.Open();
        using var command = connection.CreateCommand();
        command.CommandText = """
            CREATE TABLE orders (id INTEGER PRIMARY KEY, customer TEXT, amount REAL, note TEXT, blob BLOB);
            INSERT INTO orders VALUES (1, 'ann', 12.5, NULL, x'0102'), (2, 'bob', 3, 'late', NULL), (3, 'cy', 0.25, '', NULL);
            """;
        command.ExecuteNonQuery();
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public async Task Rows_stream_as_records_with_contract_types_and_row_locations()
    {
        await using var source = new SqliteRecordSource(_path, new SqlSourceOptions { Query = "SELECT id, customer, amount, note, blob FROM orders ORDER BY id" });
        var items = await ReadAllAsync(source);
        Assert.Equal([1L, 2, 3], items.Select(i => i.Position));
        Assert.Equal(_path + " query row 2", items[1].Location);
        var first = items[0].Record!;
        Assert.Equal(["id", "customer", "amount", "note", "blob"], first.Shape.Names);
        Assert.Equal(1L, first["id"]);
        Assert.Equal("ann", first["customer"]);
        Assert.Equal(12.5d, first["amount"]);
        Assert.Null(first["note"]);
        Assert.Equal("AQI=", first["blob"]);
        Assert.Equal("", items[2].Record!["note"]);
    }

    [Fact]
    public async Task Parameters_are_bound_by_name()
    {
        var options = new SqlSourceOptions
        {
            Query = "SELECT customer FROM orders WHERE amount > @min ORDER BY id",
            Parameters = new Dictionary<string, object?> { ["@min"] = 1 },
        };
        Assert.Equal(["ann", "bob"], (await ReadAllAsync(new SqliteRecordSource(_path, options))).Select(i => i.Record!["customer"]));
    }

    [Fact]
    public async Task Skipping_passes_over_the_first_rows()
    {
        var source = new SqliteRecordSource(_path, new SqlSourceOptions { Query = "SELECT id FROM orders ORDER BY id" });
        var items = await ReadAllAsync(source, skip: 2);
        Assert.Equal(3L, Assert.Single(items).Record!["id"]);
        Assert.Equal(3, items[0].Position);
    }

    [Fact]
    public async Task The_dataset_is_named_the_OpenLineage_way()
    {
        await using var source = new SqliteRecordSource(_path, new SqlSourceOptions { Query = "SELECT 1" });
        Assert.Equal("sqlite", source.DatasetNamespace);
        Assert.Equal(Path.GetFullPath(_path), source.DatasetName);
        Assert.Equal("sqlite://" + Path.GetFullPath(_path), source.Name);
    }

    [Fact]
    public async Task A_missing_database_file_is_fatal_and_named_and_not_created()
    {
        var missing = Path.Combine(_dir.Path, "absent.db");
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(new SqliteRecordSource(missing, new SqlSourceOptions { Query = "SELECT 1" })));
        Assert.Equal(missing + ": cannot open the SQLite database: the file does not exist.", e.Message);
        Assert.False(File.Exists(missing));
    }

    [Fact]
    public async Task A_file_that_is_not_a_database_is_fatal_and_named()
    {
        var text = _dir.File("notes.db", "this is not a database, just text that is long enough to have a header");
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(new SqliteRecordSource(text, new SqlSourceOptions { Query = "SELECT 1" })));
        Assert.StartsWith(text + ": ", e.Message, StringComparison.Ordinal);
        Assert.Contains("not a database", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_failing_query_is_fatal_with_the_database_message()
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(new SqliteRecordSource(_path, new SqlSourceOptions { Query = "SELECT nope FROM orders" })));
        Assert.Contains("no such column: nope", e.Message, StringComparison.Ordinal);
        Assert.False(e.IsTransient);
    }

    [Fact]
    public async Task Duplicate_column_names_are_fatal_and_suggest_aliases()
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(new SqliteRecordSource(_path, new SqlSourceOptions { Query = "SELECT id, id FROM orders" })));
        Assert.Contains("'id'", e.Message, StringComparison.Ordinal);
        Assert.Contains("aliases", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task The_source_opens_the_database_read_only()
    {
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(new SqliteRecordSource(_path, new SqlSourceOptions { Query = "DELETE FROM orders RETURNING id" })));
        Assert.Contains("readonly", e.Message, StringComparison.OrdinalIgnoreCase);
    }
}
