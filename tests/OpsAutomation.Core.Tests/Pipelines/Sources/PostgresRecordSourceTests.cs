using System.Net;
using System.Net.Sockets;
using Npgsql;
using OpsAutomation.Core.Pipelines.Sources;
using static OpsAutomation.Core.Tests.Pipelines.Sources.SourceTestKit;

namespace OpsAutomation.Core.Tests.Pipelines.Sources;

public sealed class PostgresRecordSourceTests
{
    private static int ClosedPort()
    {
        var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return port;
    }

    [Fact]
    public async Task An_unreachable_server_is_fatal_naming_host_and_port_but_never_the_password()
    {
        var port = ClosedPort();
        var source = new PostgresRecordSource($"Host=127.0.0.1;Port={port};Database=shop;Username=etl;Password=hunter2-secret;Timeout=3",
            new SqlSourceOptions { Query = "SELECT 1" });
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(source));
        Assert.StartsWith($"postgres://127.0.0.1:{port}/shop: cannot connect to PostgreSQL", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", e.ToString(), StringComparison.Ordinal);
        Assert.True(e.IsTransient);
    }

    [Theory]
    [InlineData(null, "shop")]
    [InlineData("orders", "shop.public.orders")]
    [InlineData("sales.orders", "shop.sales.orders")]
    public void The_dataset_is_named_the_OpenLineage_way(string? table, string name)
    {
        var source = new PostgresRecordSource("Host=db.internal;Port=5433;Database=shop;Username=etl;Password=x", new SqlSourceOptions { Query = "SELECT 1", Table = table });
        Assert.Equal("postgres://db.internal:5433", source.DatasetNamespace);
        Assert.Equal(name, source.DatasetName);
        Assert.Equal($"postgres://db.internal:5433/{name}", source.Name);
    }

    [Fact]
    public void A_malformed_connection_string_is_refused_without_echoing_its_password()
    {
        var e = Assert.Throws<ArgumentException>(() => new PostgresRecordSource("Host=x;Password=hunter2-secret;Bogus=1", new SqlSourceOptions { Query = "SELECT 1" }));
        Assert.Contains("connection string", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("hunter2-secret", e.Message, StringComparison.Ordinal);
    }

    /// <summary>Against the real PostgreSQL that ./build.ps1 Test starts (OPS_TEST_POSTGRES_CONNECTION).</summary>
    private static string Connection()
    {
        var connection = Environment.GetEnvironmentVariable("OPS_TEST_POSTGRES_CONNECTION");
        Assert.False(string.IsNullOrEmpty(connection), "This test needs the real PostgreSQL: run it through ./build.ps1 Test, which starts it and sets OPS_TEST_POSTGRES_CONNECTION.");
        return connection;
    }

    private static async Task<string> CreateTableAsync(string connectionString)
    {
        var table = "src_" + Guid.NewGuid().ToString("N")[..12];
        await using var connection = new NpgsqlConnection(connectionString);
        await connection.OpenAsync();
        await using var command = connection.CreateCommand();
        command.CommandText = $$"""
            CREATE TABLE {{table}} (id int PRIMARY KEY, big bigint, amount numeric(12,2), ratio real, paid boolean, at timestamptz, day date, tags text[], doc jsonb, name text);
            INSERT INTO {{table}} VALUES
              (1, 9000000000, 12.50, 0.5, true, '2026-11-30 08:00:00+01', '2026-11-30', ARRAY['a','b'], '{"k": 1}', 'ann'),
              (2, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL),
              (3, -1, 0.01, 2, false, '2026-01-01 00:00:00Z', '2026-01-01', ARRAY[]::text[], '[]', 'cy');
            """;
        await command.ExecuteNonQueryAsync();
        return table;
    }

    [Fact]
    public async Task Rows_stream_from_a_real_server_as_contract_types()
    {
        var connection = Connection();
        var table = await CreateTableAsync(connection);
        var source = new PostgresRecordSource(connection, new SqlSourceOptions { Query = $"SELECT * FROM {table} ORDER BY id", Table = table });
        var items = await ReadAllAsync(source);
        Assert.Equal([1L, 2, 3], items.Select(i => i.Position));
        var first = items[0].Record!;
        Assert.Equal(1L, first["id"]);
        Assert.Equal(9000000000L, first["big"]);
        Assert.Equal(12.50m, first["amount"]);
        Assert.Equal(0.5d, first["ratio"]);
        Assert.Equal(true, first["paid"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 7, 0, 0, TimeSpan.Zero), first["at"]);
        Assert.Equal(new DateTimeOffset(2026, 11, 30, 0, 0, 0, TimeSpan.Zero), first["day"]);
        Assert.Equal(["a", "b"], Assert.IsAssignableFrom<IReadOnlyList<object?>>(first["tags"]));
        Assert.Equal("{\"k\": 1}", first["doc"]);
        Assert.All(items[1].Record!.Values.Skip(1), Assert.Null);
        Assert.EndsWith(" query row 3", items[2].Location, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Skipping_and_parameters_work_against_a_real_server()
    {
        var connection = Connection();
        var table = await CreateTableAsync(connection);
        var options = new SqlSourceOptions
        {
            Query = $"SELECT id FROM {table} WHERE id >= @from ORDER BY id",
            Parameters = new Dictionary<string, object?> { ["from"] = 2 },
        };
        var items = await ReadAllAsync(new PostgresRecordSource(connection, options), skip: 1);
        Assert.Equal(3L, Assert.Single(items).Record!["id"]);
        Assert.Equal(2, items[0].Position);
    }

    [Fact]
    public async Task A_failing_query_on_a_real_server_is_fatal_with_the_server_message()
    {
        var source = new PostgresRecordSource(Connection(), new SqlSourceOptions { Query = "SELECT * FROM no_such_table_here" });
        var e = await Assert.ThrowsAsync<DataSourceException>(() => ReadAllAsync(source));
        Assert.Contains("no_such_table_here", e.Message, StringComparison.Ordinal);
        Assert.Contains("does not exist", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_wrong_password_is_fatal_and_the_password_is_not_shown()
    {
        var builder = new NpgsqlConnectionStringBuilder(Connection()) { Password = "wrong-password-123" };
        var e = await Assert.ThrowsAsync<DataSourceException>(() =>
            ReadAllAsync(new PostgresRecordSource(builder.ConnectionString, new SqlSourceOptions { Query = "SELECT 1" })));
        Assert.StartsWith($"postgres://{builder.Host}:{builder.Port}/", e.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("wrong-password-123", e.ToString(), StringComparison.Ordinal);
    }
}
