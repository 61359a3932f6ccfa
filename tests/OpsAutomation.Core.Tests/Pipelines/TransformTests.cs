using OpsAutomation.Core.Pipelines;
using OpsAutomation.Core.Pipelines.Transforms;
using OpsAutomation.Core.Pipelines.Validation;

namespace OpsAutomation.Core.Tests.Pipelines;

public sealed class TransformTests
{
    private static readonly RecordShape Shape = new(["id", "qty", "price", "note", "status"]);

    private static DataRecord Record(params object?[] values) => new(Shape, values, 7, "orders.csv:8");

    [Fact]
    public void Rename_drop_and_default_change_the_shape_once_and_keep_position_and_location()
    {
        var rename = new RenameTransform(new Dictionary<string, string> { ["qty"] = "quantity" });
        var drop = new DropTransform(["note"]);
        var fill = new DefaultTransform(new Dictionary<string, object?> { ["status"] = "new", ["country"] = "US" });

        var first = fill.Apply(drop.Apply(rename.Apply(Record(1L, 2L, 3.5m, "x", null)!)!)!)!;
        var second = fill.Apply(drop.Apply(rename.Apply(Record(2L, 5L, 1m, "y", "paid")!)!)!)!;

        Assert.Equal(["id", "quantity", "price", "status", "country"], first.Shape.Names);
        Assert.Same(first.Shape, second.Shape);
        Assert.Equal([1L, 2L, 3.5m, "new", "US"], first.Values);
        Assert.Equal("paid", second["status"]);
        Assert.Equal(7, first.Position);
        Assert.Equal("orders.csv:8", first.Location);
    }

    [Fact]
    public void Derive_computes_exactly_and_filter_keeps_only_what_is_true()
    {
        var derive = new DeriveTransform("total", RecordExpression.ParseValue("qty * price"));
        var filter = new FilterTransform(RecordExpression.Parse("status != 'test'"));

        var derived = derive.Apply(Record(1L, 3L, 0.1m, null, "new"))!;

        Assert.Equal(0.3m, derived["total"]);
        Assert.NotNull(filter.Apply(derived));
        Assert.Null(filter.Apply(Record(1L, 1L, 1m, null, "test")));
        Assert.Null(filter.Apply(Record(1L, 1L, 1m, null, null)));
    }

    [Fact]
    public void Cast_converts_invariantly_and_names_the_field_and_value_it_cannot_convert()
    {
        var cast = new CastTransform(new Dictionary<string, ColumnType> { ["qty"] = ColumnType.Integer, ["price"] = ColumnType.Decimal });

        var ok = cast.Apply(Record(1L, "12", "1234.5", null, null))!;
        var error = Assert.Throws<FormatException>(() => cast.Apply(Record(1L, "twelve", "1", null, null)));

        Assert.Equal(12L, ok["qty"]);
        Assert.Equal(1234.5m, ok["price"]);
        Assert.Contains("field 'qty': 'twelve' is not", error.Message);
    }

    [Fact]
    public void Renaming_two_fields_to_one_name_is_refused_by_name()
    {
        var rename = new RenameTransform(new Dictionary<string, string> { ["qty"] = "id" });

        Assert.Contains("two fields named 'id'", Assert.Throws<InvalidOperationException>(() => rename.Apply(Record(1L, 2L, 3m, null, null))).Message);
    }
}
