using System.Data.Common;
using Microsoft.Data.Sqlite;

namespace OpsAutomation.Core.Pipelines.Sources;

/// <summary>Rows of a query against a SQLite database file, opened read-only. Dataset: namespace <c>sqlite</c>, name the file's absolute path.</summary>
public sealed class SqliteRecordSource : DbQueryRecordSource
{
    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;

    private readonly string _path;

    public SqliteRecordSource(string path, SqlSourceOptions options)
        : base(options)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        _path = path;
        DatasetName = Path.GetFullPath(path);
    }

    public override string Name => "sqlite://" + DatasetName;

    public override string DatasetNamespace => "sqlite";

    public override string DatasetName { get; }

    protected override string Display => _path;

    protected override DbConnection CreateConnection() => new SqliteConnection(new SqliteConnectionStringBuilder
    {
        DataSource = _path,
        Mode = SqliteOpenMode.ReadOnly,
    }.ToString());

    protected override bool IsTransient(Exception exception) =>
        exception is SqliteException { SqliteErrorCode: SqliteBusy or SqliteLocked };

    protected override string OpenFailure(Exception exception) => File.Exists(_path)
        ? $"cannot open the SQLite database: {exception.Message}"
        : "cannot open the SQLite database: the file does not exist.";
}
