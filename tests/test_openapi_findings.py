"""Regressions for what the API fuzzer (tests/test_openapi_fuzz.py) found, fixed in place."""
import pytest


@pytest.mark.parametrize("query", [
    "time=0&values=%C2%B2",   # "²" is a digit for str.isdigit() but not for int(): was a 500
    "time=%C2%B9&values=%C2%B2",
])
def test_time_series_sample_with_digit_like_names_is_no_500(client, query):
    answer = client.get("/samples/time-series.csv?" + query)
    assert answer.status_code == 200
    assert answer.mimetype == "text/csv"
    assert answer.get_data(as_text=True).splitlines()[0].split(",")[1] == "²"


@pytest.mark.parametrize("values", ["99999999", "1" * 5000, "1000"])
def test_time_series_sample_refuses_huge_numbered_columns(client, values):
    # numbered columns 0..max: "values=99999999" built 100 rows of 10^8 cells (memory and
    # minutes); 5000 digits is more than int() reads (a 500)
    answer = client.get(f"/samples/time-series.csv?time=0&values={values}")
    assert answer.status_code == 400
    assert answer.get_json()["detail"] == "At most 1000 columns can be generated"


def test_time_series_sample_keeps_numbered_columns_up_to_the_limit(client):
    answer = client.get("/samples/time-series.csv?time=0&values=2,999")
    assert answer.status_code == 200
    rows = answer.get_data(as_text=True).splitlines()
    assert len(rows) == 100 and len(rows[0].split(",")) == 1000
    assert client.get("/samples/time-series.csv?time=0&values=0003").status_code == 200


@pytest.fixture
def with_backend(client, ml_backend):
    answer = client.patch("/api/project", json={"ml_backend": f"stub={ml_backend.url}"})
    assert answer.status_code == 201
    return client


@pytest.mark.parametrize("task_ids", ["%C2%B2", "1,%C2%B3", "9" * 5000])
def test_prediction_task_ids_that_are_not_numbers_are_a_400(with_backend, task_ids):
    # "²".isdigit() is true but int("²") fails: was a 500; so was a number int() will not read
    answer = with_backend.get(f"/api/models/predictions?mode=specific_tasks&task_ids={task_ids}")
    assert answer.status_code == 400
    assert "task_ids" in answer.get_json()["detail"]


def test_prediction_task_ids_still_take_unknown_ids_as_404(with_backend):
    answer = with_backend.get("/api/models/predictions?mode=specific_tasks&task_ids=7,8")
    assert answer.status_code == 404
    assert answer.get_json()["task_ids"] == [7, 8]


# ---------------------------------------------------------------- found by probing, fixed
# Each was a 500: a backend URL whose port or host does not parse, an import URL that does not
# parse, and a created_at out of the range of clocks (inf, 1e308 stored and then breaking
# every listing).

@pytest.mark.parametrize("spec", ["http://[::1", "http://127.0.0.1:99999", "http://127.0.0.1:x"])
def test_a_backend_url_with_a_bad_host_or_port_is_a_400(client, spec):
    assert client.patch("/api/project", json={"ml_backend": spec}).status_code == 400


def test_an_import_url_that_does_not_parse_is_a_400(client):
    answer = client.post("/api/project/import?url=http://[::1")
    assert answer.status_code == 400
    assert isinstance(answer.get_json(), list)


@pytest.mark.parametrize("created_at", ["1e308", "1e400", "-1e308"])
def test_a_completion_created_at_out_of_range_breaks_nothing(client, created_at):
    client.post("/api/project/import", json=[{"image": "http://127.0.0.1:9/a.jpg"}])
    answer = client.post("/api/tasks/0/completions", content_type="application/json",
                         data=f'{{"result": [], "created_at": {created_at}}}')
    assert answer.status_code in (201, 400)
    assert client.get("/api/tasks").status_code == 200
