using System.Data.Common;
using System.Globalization;
using Npgsql;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>
/// Rows of a query against PostgreSQL, streamed (Npgsql does not buffer a reader's rows).
/// Dataset: namespace <c>postgres://host:port</c>, name <c>database.schema.table</c> from
/// <see cref="SqlSourceOptions.Table"/> (schema <c>public</c> when none is given), or the database alone.
/// </summary>
public sealed class PostgresRecordSource : DbQueryRecordSource
{
    private readonly string _connectionString;

    /// <param name="connectionString">An Npgsql connection string; its password never appears in a message.</param>
    public PostgresRecordSource(string connectionString, SqlSourceOptions options)
        : base(options)
    {
        ArgumentException.ThrowIfNullOrEmpty(connectionString);
        NpgsqlConnectionStringBuilder builder;
        try
        {
            builder = new NpgsqlConnectionStringBuilder(connectionString);
        }
        catch (ArgumentException e)
        {
            throw new ArgumentException($"The PostgreSQL connection string is not valid: {Redactor.Redact(e.Message)}", nameof(connectionString));
        }
        Redactor.AddSecret(builder.Password);
        _connectionString = connectionString;
        var host = builder.Host ?? "localhost";
        var port = builder.Port;
        var database = builder.Database ?? builder.Username ?? "postgres";
        DatasetNamespace = string.Create(CultureInfo.InvariantCulture, $"postgres://{host}:{port}");
        DatasetName = options.Table switch
        {
            null => database,
            var table when table.Contains('.', StringComparison.Ordinal) => $"{database}.{table}",
            var table => $"{database}.public.{table}",
        };
        Display = string.Create(CultureInfo.InvariantCulture, $"postgres://{host}:{port}/{database}");
    }

    public override string Name => $"{DatasetNamespace}/{DatasetName}";

    public override string DatasetNamespace { get; }

    public override string DatasetName { get; }

    protected override string Display { get; }

    protected override DbConnection CreateConnection() => new NpgsqlConnection(_connectionString);

    protected override bool IsTransient(Exception exception) => exception switch
    {
        NpgsqlException npgsql => npgsql.IsTransient,
        TimeoutException or IOException => true,
        _ => false,
    };

    protected override string OpenFailure(Exception exception) => $"cannot connect to PostgreSQL: {exception.Message}";
}
