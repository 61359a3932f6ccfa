namespace OpsAutomation.Core.Pipelines.Validation;

/// <summary>The type a column's values are coerced to, and the .NET type they then have.</summary>
#pragma warning disable CA1720 // The members are the type names a spec file uses (Type = 'integer').
public enum ColumnType
{
    /// <summary><see cref="string"/>; numbers and booleans become their invariant text.</summary>
    String,

    /// <summary><see cref="long"/>.</summary>
    Integer,

    /// <summary><see cref="double"/>, finite.</summary>
    Number,

    /// <summary><see cref="decimal"/>: exact, for money.</summary>
    Decimal,

    /// <summary><see cref="bool"/>: true/false/1/0/yes/no, any case.</summary>
    Boolean,

    /// <summary><see cref="DateTimeOffset"/> from ISO 8601 (or the column's formats); no offset means UTC.</summary>
    DateTime,

    /// <summary><see cref="DateTimeOffset"/> at midnight UTC, from yyyy-MM-dd (or the column's formats).</summary>
    Date,
}
#pragma warning restore CA1720
