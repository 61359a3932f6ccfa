using System.Globalization;
using OpsAutomation.Core.Pipelines.Validation;

namespace OpsAutomation.Core.Tests.Pipelines.Validation;

public sealed class ValueCoercionTests : IDisposable
{
    private readonly CultureInfo _culture = CultureInfo.CurrentCulture;

    // A culture with a decimal comma, a different digit grouping and day-first dates: nothing may depend on it.
    public ValueCoercionTests() => CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = new CultureInfo("de-DE");

    public void Dispose() => CultureInfo.CurrentCulture = CultureInfo.CurrentUICulture = _culture;

    private static object? Coerce(object? value, ColumnType type, params string[] formats)
    {
        Assert.True(ValueCoercion.TryCoerce(value, type, formats, out var result), $"'{value}' should be {type}");
        return result;
    }

    private static void Refused(object? value, ColumnType type, params string[] formats)
    {
        Assert.False(ValueCoercion.TryCoerce(value, type, formats, out var result), $"'{value}' should not be {type}");
        Assert.Equal(value, result);
    }

    [Theory]
    [InlineData("42", 42L)]
    [InlineData(" -7 ", -7L)]
    [InlineData("+5", 5L)]
    [InlineData("9223372036854775807", long.MaxValue)]
    public void Integers_parse_from_invariant_text(string text, long expected) => Assert.Equal(expected, Coerce(text, ColumnType.Integer));

    [Theory]
    [InlineData("1,5")]
    [InlineData("1.5")]
    [InlineData("1.000")]
    [InlineData("12abc")]
    [InlineData("9223372036854775808")]
    [InlineData("true")]
    public void Integers_refuse_fractions_grouping_and_overflow(string text) => Refused(text, ColumnType.Integer);

    [Fact]
    public void Integers_take_integral_numbers_of_other_types()
    {
        Assert.Equal(3L, Coerce(3.0, ColumnType.Integer));
        Assert.Equal(3L, Coerce(3m, ColumnType.Integer));
        Refused(3.5, ColumnType.Integer);
        Refused(true, ColumnType.Integer);
    }

    [Theory]
    [InlineData("1.5", 1.5)]
    [InlineData("-2e3", -2000.0)]
    [InlineData(" 0.25 ", 0.25)]
    public void Numbers_use_the_decimal_point_whatever_the_culture(string text, double expected) => Assert.Equal(expected, Coerce(text, ColumnType.Number));

    [Theory]
    [InlineData("1,5")]
    [InlineData("NaN")]
    [InlineData("Infinity")]
    [InlineData("1.5.2")]
    public void Numbers_refuse_commas_and_non_finite_values(string text) => Refused(text, ColumnType.Number);

    [Fact]
    public void Decimals_are_exact()
    {
        Assert.Equal(0.1m, Coerce("0.1", ColumnType.Decimal));
        Assert.Equal(12345678901234567890.12m, Coerce("12345678901234567890.12", ColumnType.Decimal));
        Assert.Equal(7m, Coerce(7L, ColumnType.Decimal));
        Refused("0,1", ColumnType.Decimal);
    }

    [Theory]
    [InlineData("true", true)]
    [InlineData("TRUE", true)]
    [InlineData("Yes", true)]
    [InlineData("1", true)]
    [InlineData("false", false)]
    [InlineData("no", false)]
    [InlineData(" NO ", false)]
    [InlineData("0", false)]
    public void Booleans_accept_the_usual_spellings_in_any_case(string text, bool expected) => Assert.Equal(expected, Coerce(text, ColumnType.Boolean));

    [Theory]
    [InlineData("ja")]
    [InlineData("2")]
    [InlineData("y")]
    public void Booleans_refuse_other_words(string text) => Refused(text, ColumnType.Boolean);

    [Fact]
    public void Booleans_take_the_integers_one_and_zero_only()
    {
        Assert.Equal(true, Coerce(1L, ColumnType.Boolean));
        Assert.Equal(false, Coerce(0L, ColumnType.Boolean));
        Refused(2L, ColumnType.Boolean);
    }

    [Theory]
    [InlineData("2024-03-01T10:20:30Z", "2024-03-01T10:20:30.0000000+00:00")]
    [InlineData("2024-03-01T10:20:30.125+02:00", "2024-03-01T10:20:30.1250000+02:00")]
    [InlineData("2024-03-01 10:20:30", "2024-03-01T10:20:30.0000000+00:00")]
    [InlineData("2024-03-01T10:20", "2024-03-01T10:20:00.0000000+00:00")]
    [InlineData("2024-03-01", "2024-03-01T00:00:00.0000000+00:00")]
    public void Datetimes_read_iso_8601_and_no_offset_means_utc(string text, string expected)
    {
        var value = Assert.IsType<DateTimeOffset>(Coerce(text, ColumnType.DateTime));
        Assert.Equal(expected, value.ToString("O", CultureInfo.InvariantCulture));
    }

    [Theory]
    [InlineData("01.03.2024")]
    [InlineData("03/01/2024")]
    [InlineData("2024-13-01")]
    [InlineData("yesterday")]
    public void Datetimes_refuse_culture_formats(string text) => Refused(text, ColumnType.DateTime);

    [Fact]
    public void Datetimes_use_the_column_formats_when_given()
    {
        var value = Assert.IsType<DateTimeOffset>(Coerce("01.03.2024 08:15", ColumnType.DateTime, "dd.MM.yyyy HH:mm"));
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 8, 15, 0, TimeSpan.Zero), value);
        Refused("2024-03-01", ColumnType.DateTime, "dd.MM.yyyy HH:mm");
    }

    [Fact]
    public void Dates_are_midnight_utc_and_refuse_a_time_of_day()
    {
        Assert.Equal(new DateTimeOffset(2024, 2, 29, 0, 0, 0, TimeSpan.Zero), Coerce("2024-02-29", ColumnType.Date));
        Assert.Equal(new DateTimeOffset(2024, 3, 1, 0, 0, 0, TimeSpan.Zero), Coerce("01/03/2024", ColumnType.Date, "dd/MM/yyyy"));
        Refused("2023-02-29", ColumnType.Date);
        Refused("2024-03-01T10:00:00Z", ColumnType.Date);
        Refused(new DateTimeOffset(2024, 3, 1, 10, 0, 0, TimeSpan.Zero), ColumnType.Date);
    }

    [Theory]
    [InlineData(ColumnType.Integer)]
    [InlineData(ColumnType.Number)]
    [InlineData(ColumnType.Boolean)]
    [InlineData(ColumnType.DateTime)]
    public void Blank_text_is_a_missing_value_for_typed_columns(ColumnType type)
    {
        Assert.Null(Coerce("", type));
        Assert.Null(Coerce("   ", type));
        Assert.Null(Coerce(null, type));
    }

    [Fact]
    public void Strings_keep_blank_text_and_write_numbers_invariantly()
    {
        Assert.Equal("", Coerce("", ColumnType.String));
        Assert.Equal("1.5", Coerce(1.5, ColumnType.String));
        Assert.Equal("1234567", Coerce(1234567L, ColumnType.String));
        Assert.Equal("0.10", Coerce(0.10m, ColumnType.String));
        Assert.Equal("true", Coerce(true, ColumnType.String));
    }
}
