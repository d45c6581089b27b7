/* cxx_stl.cpp - MPI from C++: mpi.h included by a C++ program (C linkage),
 * calls wrapped in templates, the STL around them and errors turned into
 * exceptions. Built with ipcc++ (or mpicxx) by tests/integration/test_cxx.sh
 * and run at 2 and 4 ranks; prints "cxx_stl: ok, N ranks" or names the first
 * wrong value and aborts the job with status 1.
 *
 * - send_vector<T>/recv_vector<T>: a std::vector<T> around the ring for int,
 *   double and a struct (an MPI_Type_contiguous of MPI_BYTE), the receiver
 *   sizing its vector with MPI_Probe and MPI_Get_count
 * - a std::map<std::string, int> of word counts summed with MPI_Allreduce,
 *   and a std::string broadcast from rank 0
 * - MPI_ERRORS_RETURN on MPI_COMM_WORLD: a send to a rank that does not
 *   exist throws mpi_error, which is caught, and the program goes on
 * - MPI_Allreduce (sum and max) checked against the closed form
 */
#include <mpi.h>

#include <cstdio>
#include <cstring>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace
{

/* An MPI error code, thrown by check() under MPI_ERRORS_RETURN. */
class mpi_error : public std::runtime_error
{
  public:
    mpi_error(const std::string &call, int code)
        : std::runtime_error(describe(call, code)), code_(code)
    {
    }
    int code() const
    {
        return code_;
    }

  private:
    static std::string describe(const std::string &call, int code)
    {
        char text[MPI_MAX_ERROR_STRING];
        int len = 0;
        if (MPI_Error_string(code, text, &len) != MPI_SUCCESS)
            len = 0;
        return call + ": " + std::string(text, static_cast<size_t>(len));
    }
    int code_;
};

/* A value that is not what it should be: ends the job with status 1. */
class wrong_value : public std::logic_error
{
  public:
    explicit wrong_value(const std::string &what) : std::logic_error(what)
    {
    }
};

void check(int rc, const char *call)
{
    if (rc != MPI_SUCCESS)
        throw mpi_error(call, rc);
}

template <typename T>
void expect_equal(const T &got, const T &want, const std::string &what)
{
    if (!(got == want)) {
        std::ostringstream msg;
        msg << what << ": got " << got << ", want " << want;
        throw wrong_value(msg.str());
    }
}

struct particle {
    int id;
    double pos[3];
    char tag[4];
    bool operator==(const particle &o) const
    {
        return id == o.id && pos[0] == o.pos[0] && pos[1] == o.pos[1] &&
               pos[2] == o.pos[2] && std::memcmp(tag, o.tag, sizeof tag) == 0;
    }
};

std::ostream &operator<<(std::ostream &out, const particle &p)
{
    return out << "particle{" << p.id << ", " << p.pos[0] << ", " << p.pos[1] << ", "
               << p.pos[2] << ", " << std::string(p.tag, sizeof p.tag) << "}";
}

/* The datatype of T: a traits class, specialized below. */
template <typename T> struct mpi_type;
template <> struct mpi_type<int> {
    static MPI_Datatype get()
    {
        return MPI_INT;
    }
};
template <> struct mpi_type<double> {
    static MPI_Datatype get()
    {
        return MPI_DOUBLE;
    }
};
/* particle is sent as its bytes, one MPI_Type_contiguous per particle,
 * committed once and freed by the owner below at the end of main's scope. */
MPI_Datatype particle_type = MPI_DATATYPE_NULL;
template <> struct mpi_type<particle> {
    static MPI_Datatype get()
    {
        return particle_type;
    }
};

class particle_type_owner
{
  public:
    particle_type_owner()
    {
        check(MPI_Type_contiguous(static_cast<int>(sizeof(particle)), MPI_BYTE,
                                  &particle_type),
              "MPI_Type_contiguous");
        check(MPI_Type_commit(&particle_type), "MPI_Type_commit");
    }
    ~particle_type_owner()
    {
        MPI_Type_free(&particle_type);
    }
    particle_type_owner(const particle_type_owner &) = delete;
    particle_type_owner &operator=(const particle_type_owner &) = delete;
};

/* The i-th element that rank r sends, for each T. */
template <typename T> T element(int r, int i);
template <> int element<int>(int r, int i)
{
    return 1000 * r + i;
}
template <> double element<double>(int r, int i)
{
    return r + i / 8.0;
}
template <> particle element<particle>(int r, int i)
{
    particle p = {r * 100 + i,
                  {r * 1.5, i * 0.25, -1.0 * i},
                  {'p', static_cast<char>('a' + r), 'x', '\0'}};
    return p;
}

/* Rank r sends r + 3 elements, so the receiver cannot know the count. */
template <typename T> std::vector<T> make_vector(int r)
{
    std::vector<T> v;
    for (int i = 0; i < r + 3; i++)
        v.push_back(element<T>(r, i));
    return v;
}

template <typename T> MPI_Request send_vector(const std::vector<T> &v, int dest, int tag)
{
    MPI_Request req;
    check(MPI_Isend(v.data(), static_cast<int>(v.size()), mpi_type<T>::get(), dest, tag,
                    MPI_COMM_WORLD, &req),
          "MPI_Isend");
    return req;
}

template <typename T> std::vector<T> recv_vector(int source, int tag)
{
    MPI_Status status;
    check(MPI_Probe(source, tag, MPI_COMM_WORLD, &status), "MPI_Probe");
    int count = 0;
    check(MPI_Get_count(&status, mpi_type<T>::get(), &count), "MPI_Get_count");
    std::vector<T> v(static_cast<size_t>(count));
    check(MPI_Recv(v.data(), count, mpi_type<T>::get(), source, tag, MPI_COMM_WORLD,
                   MPI_STATUS_IGNORE),
          "MPI_Recv");
    return v;
}

/* One trip around the ring for T: what comes from the left is what the left
 * neighbour made. */
template <typename T> void ring(int rank, int size, int tag, const char *name)
{
    const int right = (rank + 1) % size, left = (rank + size - 1) % size;
    std::vector<T> out = make_vector<T>(rank);
    MPI_Request req = send_vector(out, right, tag);
    std::vector<T> in = recv_vector<T>(left, tag);
    check(MPI_Wait(&req, MPI_STATUS_IGNORE), "MPI_Wait");
    std::vector<T> want = make_vector<T>(left);
    expect_equal(in.size(), want.size(), std::string("ring<") + name + "> count");
    for (size_t i = 0; i < in.size(); i++)
        expect_equal(in[i], want[i],
                     std::string("ring<") + name + "> element " + std::to_string(i));
}

/* Word counts in a std::map, summed over the ranks: rank r says "alpha"
 * r + 1 times and "beta" once; only rank 0 says "gamma". */
void word_counts(int rank, int size)
{
    std::string text;
    for (int i = 0; i <= rank; i++)
        text += "alpha ";
    text += "beta";
    if (rank == 0)
        text += " gamma";
    std::map<std::string, int> counts = {{"alpha", 0}, {"beta", 0}, {"gamma", 0}};
    std::istringstream words(text);
    for (std::string w; words >> w;)
        counts.at(w)++;
    std::vector<int> local, total(counts.size());
    for (const auto &kv : counts)
        local.push_back(kv.second);
    check(MPI_Allreduce(local.data(), total.data(), static_cast<int>(local.size()),
                        MPI_INT, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
    size_t k = 0;
    for (auto &kv : counts)
        kv.second = total[k++];
    expect_equal(counts["alpha"], size * (size + 1) / 2, std::string("word count alpha"));
    expect_equal(counts["beta"], size, std::string("word count beta"));
    expect_equal(counts["gamma"], 1, std::string("word count gamma"));

    std::string greeting =
        rank == 0 ? std::string("hello from rank 0 of ") + std::to_string(size) : "";
    int len = static_cast<int>(greeting.size());
    check(MPI_Bcast(&len, 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Bcast");
    greeting.resize(static_cast<size_t>(len));
    check(MPI_Bcast(&greeting[0], len, MPI_CHAR, 0, MPI_COMM_WORLD), "MPI_Bcast");
    expect_equal(greeting, std::string("hello from rank 0 of ") + std::to_string(size),
                 std::string("broadcast string"));
}

/* A failing call under MPI_ERRORS_RETURN becomes an exception; the job goes
 * on after it is caught. */
void failing_call(int size)
{
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN),
          "MPI_Comm_set_errhandler");
    int value = 42, caught = 0, error_class = MPI_SUCCESS;
    try {
        check(MPI_Send(&value, 1, MPI_INT, size + 5, 0, MPI_COMM_WORLD),
              "MPI_Send to a missing rank");
    } catch (const mpi_error &e) {
        caught = 1;
        check(MPI_Error_class(e.code(), &error_class), "MPI_Error_class");
        expect_equal(std::string(e.what()).find("MPI_Send to a missing rank: ") == 0,
                     true, std::string("mpi_error message '") + e.what() + "'");
    }
    expect_equal(caught, 1, std::string("exception from MPI_Send to rank size + 5"));
    expect_equal(error_class, MPI_ERR_RANK,
                 std::string("error class of MPI_Send to rank size + 5"));
    check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier after the caught error");
}

/* Sum and max over the ranks, as int and as double. */
void reductions(int rank, int size)
{
    int isum = 0;
    check(MPI_Allreduce(&rank, &isum, 1, MPI_INT, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
    expect_equal(isum, size * (size - 1) / 2, std::string("allreduce sum of ranks"));
    double d = 0.5 * (rank + 1), dmax = 0.0;
    check(MPI_Allreduce(&d, &dmax, 1, MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce");
    expect_equal(dmax, 0.5 * size, std::string("allreduce max"));
    std::vector<double> squares(4), total(4);
    for (size_t i = 0; i < squares.size(); i++)
        squares[i] = static_cast<double>(rank * rank) + static_cast<double>(i);
    check(MPI_Allreduce(squares.data(), total.data(), 4, MPI_DOUBLE, MPI_SUM,
                        MPI_COMM_WORLD),
          "MPI_Allreduce");
    for (size_t i = 0; i < total.size(); i++)
        expect_equal(total[i],
                     (size - 1) * size * (2 * size - 1) / 6.0 +
                         static_cast<double>(i) * size,
                     std::string("allreduce sum of squares [") + std::to_string(i) + "]");
}

} // namespace

int main(int argc, char **argv)
{
    MPI_Init(&argc, &argv);
    int rank = 0, size = 0;
    MPI_Comm_rank(MPI_COMM_WORLD, &rank);
    MPI_Comm_size(MPI_COMM_WORLD, &size);
    try {
        failing_call(size);
        {
            particle_type_owner owner;
            ring<int>(rank, size, 1, "int");
            ring<double>(rank, size, 2, "double");
            ring<particle>(rank, size, 3, "particle");
        }
        word_counts(rank, size);
        reductions(rank, size);
    } catch (const std::exception &e) {
        std::fprintf(stderr, "cxx_stl: rank %d: %s\n", rank, e.what());
        MPI_Abort(MPI_COMM_WORLD, 1);
    }
    MPI_Finalize();
    if (rank == 0)
        std::printf("cxx_stl: ok, %d ranks\n", size);
    return 0;
}
